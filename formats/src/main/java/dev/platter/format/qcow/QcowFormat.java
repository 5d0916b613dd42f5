package dev.platter.format.qcow;

import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageFormat;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * qcow version 1 (qcow2 is version 2 and up), read only, as qemu-img 7.2 reads it: plain and compressed clusters,
 * backing files, legacy AES-encrypted images (with their key). Creating is refused by name.
 */
public final class QcowFormat implements ImageFormat {
    public static final String NAME = "qcow";

    @Override
    public String name() {
        return NAME;
    }

    /** qemu's qcow_probe: the magic and version 1 in a whole 48-byte header. */
    @Override
    public int probe(ByteBuffer header, Storage storage) {
        ByteBuffer b = header.slice();
        return b.limit() >= QcowHeader.SIZE && b.getInt(0) == QcowHeader.MAGIC && b.getInt(4) == 1 ? CERTAIN : 0;
    }

    @Override
    public boolean writable() {
        return false;
    }

    /** Its images can name a backing file (create checks that before it refuses the format). */
    @Override
    public boolean supportsBackingFile() {
        return true;
    }

    @Override
    public Image open(Storage storage, OpenOptions options) throws IOException {
        return QcowImage.open(storage, options);
    }

    @Override
    public Image openForCheck(Storage storage, OpenOptions options) throws IOException {
        return QcowImage.open(storage, options.withReadOnly(true));
    }

    @Override
    public String describeCreate(long size, CreateOptions options) {
        return "fmt=" + NAME + " size=" + size;
    }

    @Override
    public void create(Path path, long size, CreateOptions options) throws IOException {
        throw new UnsupportedFeatureException("creating qcow images", "'" + NAME + "' images are read only so far");
    }
}
