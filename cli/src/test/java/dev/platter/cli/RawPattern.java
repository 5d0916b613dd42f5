package dev.platter.cli;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;

/** Writes small raw test images: random data, text, written zeros and holes at chosen offsets. */
final class RawPattern {
    private final RandomAccessFile file;
    private final Random random;

    private RawPattern(Path path, long size, long seed) throws IOException {
        this.file = new RandomAccessFile(path.toFile(), "rw");
        this.file.setLength(size);
        this.random = new Random(seed);
    }

    static RawPattern create(Path path, long size) throws IOException {
        return new RawPattern(path, size, 42);
    }

    /** Random bytes (incompressible). */
    RawPattern random(long offset, int len) throws IOException {
        byte[] b = new byte[len];
        random.nextBytes(b);
        return write(offset, b);
    }

    /** Repetitive text (compresses well). */
    RawPattern text(long offset, int len) throws IOException {
        StringBuilder sb = new StringBuilder();
        String[] words = {"platter", "converts", "disk", "images", "sparse", "qcow2", "raw", "cluster"};
        while (sb.length() < len) {
            sb.append(words[random.nextInt(words.length)]).append(random.nextInt(10) == 0 ? '\n' : ' ');
        }
        return write(offset, sb.substring(0, len).getBytes(StandardCharsets.US_ASCII));
    }

    /** Zeros written as data (allocated on the host, zero in content). */
    RawPattern zeros(long offset, int len) throws IOException {
        return write(offset, new byte[len]);
    }

    /** One non-zero byte. */
    RawPattern poke(long offset, int value) throws IOException {
        return write(offset, new byte[] {(byte) value});
    }

    private RawPattern write(long offset, byte[] b) throws IOException {
        file.seek(offset);
        file.write(b);
        return this;
    }

    Path done(Path path) throws IOException {
        file.close();
        return path;
    }

    void close() throws IOException {
        file.close();
    }
}
