package dev.platter.format.recognized;

import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageFormat;
import dev.platter.core.image.ImageOpenException;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The formats qemu-img 7.2 probes that Platter does not read yet. Each is probed exactly as qemu probes it (its
 * first 512 bytes, qemu's scores), so that such a file is refused by name ({@code 'vpc' images are not supported
 * yet}) instead of being read as raw, and probing picks what qemu-img picks: a fixed VHD, whose only footer is at
 * the end, is raw for qemu-img too. A format that Platter learns to read replaces its entry here.
 */
public abstract class RecognizedFormat implements ImageFormat {
    /** qemu reads this much of a file to probe it (BLOCK_PROBE_BUF_SIZE). */
    static final int QEMU_PROBE_BYTES = 512;

    private final String name;

    RecognizedFormat(String name) {
        this.name = name;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final int probe(ByteBuffer header, Storage storage) {
        if (!header.hasRemaining()) {
            return 0; // qemu takes an empty file as raw before probing
        }
        ByteBuffer b = header.duplicate();
        b.limit(b.position() + Math.min(b.remaining(), QEMU_PROBE_BYTES));
        Path p = storage.path();
        String fileName = p != null && p.getFileName() != null ? p.getFileName().toString() : storage.name();
        return score(b.slice().order(ByteOrder.BIG_ENDIAN), fileName);
    }

    /** qemu's score for this format: 0 (not it) to {@link #CERTAIN}; {@code buf} starts at offset 0. */
    abstract int score(ByteBuffer buf, String fileName);

    @Override
    public final boolean readable() {
        return false;
    }

    @Override
    public final boolean writable() {
        return false;
    }

    @Override
    public final Image open(Storage storage, OpenOptions options) throws IOException {
        throw new ImageOpenException(storage.name(), notSupported(), null);
    }

    @Override
    public final String describeCreate(long size, CreateOptions options) {
        return "fmt=" + name + " size=" + size;
    }

    @Override
    public final void create(Path path, long size, CreateOptions options) throws IOException {
        throw new UnsupportedFeatureException(name, notSupported());
    }

    private String notSupported() {
        return "'" + name + "' images are not supported yet";
    }

    static boolean startsWith(ByteBuffer b, int at, String text) {
        byte[] t = text.getBytes(StandardCharsets.ISO_8859_1);
        if (b.limit() < at + t.length) {
            return false;
        }
        for (int i = 0; i < t.length; i++) {
            if (b.get(at + i) != t[i]) {
                return false;
            }
        }
        return true;
    }

}
