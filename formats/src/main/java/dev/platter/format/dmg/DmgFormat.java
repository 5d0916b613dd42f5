package dev.platter.format.dmg;

import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageFormat;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * Apple disk images (UDIF), read only, as qemu-img 7.2 reads them: zero, raw, zlib and bzip2 chunks; ADC and LZFSE
 * chunks refused by name when read. qemu cannot write them.
 */
public final class DmgFormat implements ImageFormat {
    public static final String NAME = "dmg";

    @Override
    public String name() {
        return NAME;
    }

    /** qemu's dmg_probe: the file name only (".dmg", a weak score of 2). */
    @Override
    public int probe(ByteBuffer header, Storage storage) {
        if (!header.hasRemaining()) {
            return 0; // qemu takes an empty file as raw before probing
        }
        Path p = storage.path();
        String fileName = p != null && p.getFileName() != null ? p.getFileName().toString() : storage.name();
        return fileName.length() > 4 && fileName.endsWith(".dmg") ? 2 : 0;
    }

    @Override
    public boolean writable() {
        return false;
    }

    @Override
    public List<String> fileExtensions() {
        return List.of("dmg");
    }

    @Override
    public Image open(Storage storage, OpenOptions options) throws IOException {
        return DmgImage.open(storage, options);
    }

    @Override
    public Image openForCheck(Storage storage, OpenOptions options) throws IOException {
        return DmgImage.open(storage, options.withReadOnly(true));
    }

    @Override
    public String describeCreate(long size, CreateOptions options) {
        return "fmt=" + NAME + " size=" + size;
    }

    @Override
    public void create(Path path, long size, CreateOptions options) throws IOException {
        throw new UnsupportedFeatureException("creating dmg images", "'" + NAME + "' images are read only so far");
    }
}
