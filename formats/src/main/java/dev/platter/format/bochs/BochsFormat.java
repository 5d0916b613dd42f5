package dev.platter.format.bochs;

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

/** Bochs growing redologs (versions 1 and 2), read only, as qemu-img 7.2 reads them (qemu cannot write them). */
public final class BochsFormat implements ImageFormat {
    public static final String NAME = "bochs";

    @Override
    public String name() {
        return NAME;
    }

    /** qemu's bochs_probe. */
    @Override
    public int probe(ByteBuffer header, Storage storage) {
        return BochsHeader.matches(header.slice().order(ByteOrder.LITTLE_ENDIAN)) ? CERTAIN : 0;
    }

    @Override
    public boolean writable() {
        return false;
    }

    @Override
    public Image open(Storage storage, OpenOptions options) throws IOException {
        return BochsImage.open(storage, options);
    }

    @Override
    public Image openForCheck(Storage storage, OpenOptions options) throws IOException {
        return BochsImage.open(storage, options.withReadOnly(true));
    }

    @Override
    public String describeCreate(long size, CreateOptions options) {
        return "fmt=" + NAME + " size=" + size;
    }

    @Override
    public void create(Path path, long size, CreateOptions options) throws IOException {
        throw new UnsupportedFeatureException("creating bochs images", "'" + NAME + "' images are read only so far");
    }
}
