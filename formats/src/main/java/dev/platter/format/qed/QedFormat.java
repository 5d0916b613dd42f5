package dev.platter.format.qed;

import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageFormat;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;

/** QED, read only: what qemu-img 7.2 reads (and creates), with its backing file. Creating is refused by name. */
public final class QedFormat implements ImageFormat {
    public static final String NAME = "qed";

    @Override
    public String name() {
        return NAME;
    }

    /** qemu's bdrv_qed_probe: the magic "QED\0" (qemu's probe buffer is zero-padded, so four bytes decide). */
    @Override
    public int probe(ByteBuffer header, Storage storage) {
        ByteBuffer b = header.slice().order(ByteOrder.LITTLE_ENDIAN);
        return b.limit() >= 4 && b.getInt(0) == QedHeader.MAGIC ? CERTAIN : 0;
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
    public List<String> fileExtensions() {
        return List.of("qed");
    }

    @Override
    public Image open(Storage storage, OpenOptions options) throws IOException {
        return QedImage.open(storage, options);
    }

    /** check: qemu checks and repairs qed; Platter does not (see docs/cli.md). */
    @Override
    public Image openForCheck(Storage storage, OpenOptions options) throws IOException {
        return QedImage.open(storage, options.withReadOnly(true));
    }

    @Override
    public String describeCreate(long size, CreateOptions options) {
        return "fmt=" + NAME + " size=" + size;
    }

    @Override
    public void create(Path path, long size, CreateOptions options) throws IOException {
        throw new UnsupportedFeatureException("creating qed images", "'" + NAME + "' images are read only so far");
    }
}
