package dev.platter.format.cloop;

import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageFormat;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** cloop (compressed loop, V2.0) images, read only, as qemu-img 7.2 reads them (qemu cannot write them). */
public final class CloopFormat implements ImageFormat {
    public static final String NAME = "cloop";

    @Override
    public String name() {
        return NAME;
    }

    /** qemu's cloop_probe: the V2.0 preamble, compared over as much of it as the file has; a weak score (2). */
    @Override
    public int probe(ByteBuffer header, Storage storage) {
        ByteBuffer b = header.slice();
        if (!b.hasRemaining()) {
            return 0; // qemu takes an empty file as raw before probing
        }
        byte[] magic = CloopIndex.MAGIC.getBytes(StandardCharsets.US_ASCII);
        int n = Math.min(magic.length, Math.min(b.limit(), 512));
        for (int i = 0; i < n; i++) {
            if (b.get(i) != magic[i]) {
                return 0;
            }
        }
        return 2;
    }

    @Override
    public boolean writable() {
        return false;
    }

    @Override
    public Image open(Storage storage, OpenOptions options) throws IOException {
        return CloopImage.open(storage, options);
    }

    @Override
    public Image openForCheck(Storage storage, OpenOptions options) throws IOException {
        return CloopImage.open(storage, options.withReadOnly(true));
    }

    @Override
    public String describeCreate(long size, CreateOptions options) {
        return "fmt=" + NAME + " size=" + size;
    }

    @Override
    public void create(Path path, long size, CreateOptions options) throws IOException {
        throw new UnsupportedFeatureException("creating cloop images", "'" + NAME + "' images are read only so far");
    }
}
