package dev.platter.format.parallels;

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

/** Parallels (ploop) images, read only, as qemu-img 7.2 reads them. Creating is refused by name. */
public final class ParallelsFormat implements ImageFormat {
    public static final String NAME = "parallels";

    @Override
    public String name() {
        return NAME;
    }

    /** qemu's parallels_probe: one of the two magics and header version 2. */
    @Override
    public int probe(ByteBuffer header, Storage storage) {
        ByteBuffer b = header.slice().order(ByteOrder.LITTLE_ENDIAN);
        return b.limit() >= ParallelsHeader.SIZE && ParallelsHeader.hasMagic(b)
                && b.getInt(16) == ParallelsHeader.VERSION ? CERTAIN : 0;
    }

    @Override
    public boolean writable() {
        return false;
    }

    @Override
    public Image open(Storage storage, OpenOptions options) throws IOException {
        return ParallelsImage.open(storage, options);
    }

    @Override
    public Image openForCheck(Storage storage, OpenOptions options) throws IOException {
        return ParallelsImage.open(storage, options.withReadOnly(true));
    }

    @Override
    public String describeCreate(long size, CreateOptions options) {
        return "fmt=" + NAME + " size=" + size;
    }

    @Override
    public void create(Path path, long size, CreateOptions options) throws IOException {
        throw new UnsupportedFeatureException("creating parallels images", "'" + NAME
                + "' images are read only so far");
    }
}
