package dev.platter.inspect.ext4;

import dev.platter.core.Bounds;
import dev.platter.core.Extent;
import dev.platter.core.ReadOnlyBlockDevice;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/** A read-only device over a byte array: for images edited in memory (corruption, fuzzing). */
final class ByteDevice implements ReadOnlyBlockDevice {
    final byte[] bytes;

    ByteDevice(byte[] bytes) {
        this.bytes = bytes;
    }

    static ByteDevice of(Path image) throws IOException {
        return new ByteDevice(Files.readAllBytes(image));
    }

    ByteDevice copy() {
        return new ByteDevice(bytes.clone());
    }

    @Override
    public long size() {
        return bytes.length;
    }

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        Bounds.check(pos, dst.remaining(), bytes.length, describe());
        dst.put(bytes, (int) pos, dst.remaining());
    }

    @Override
    public Extent mapping(long pos, long maxLen) throws IOException {
        Bounds.checkMapping(pos, maxLen, bytes.length, describe());
        return Extent.data(pos, Math.min(maxLen, bytes.length - pos), pos, null);
    }

    @Override
    public String describe() {
        return "memory image";
    }

    @Override
    public void close() {
    }
}
