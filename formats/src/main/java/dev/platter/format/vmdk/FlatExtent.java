package dev.platter.format.vmdk;

import dev.platter.core.image.MappedRun;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A FLAT or VMFS extent: the virtual bytes are the file's bytes from a start offset (past the end of the file they
 * read as zeros, as qemu reads them).
 */
final class FlatExtent extends VmdkExtent {
    private final long start;

    /** @param start the byte offset in the file where the extent begins */
    FlatExtent(Storage storage, String type, long sectors, long start) {
        super(storage, type, sectors);
        this.start = start;
    }

    @Override
    boolean flat() {
        return true;
    }

    @Override
    boolean compressed() {
        return false;
    }

    @Override
    long clusterBytes() {
        return length();
    }

    @Override
    MappedRun map(long offset, long maxLen, boolean forRead) {
        return new MappedRun(MappedRun.Kind.DATA, Math.min(maxLen, length() - offset), storage, start + offset, 0);
    }

    @Override
    long checkOffset(long offset) {
        return start;
    }

    @Override
    boolean writable() {
        return !storage.isReadOnly();
    }

    @Override
    void write(long offset, ByteBuffer src, GrainFill fill) throws IOException {
        storage.write(start + offset, src);
    }

    /** Zeros in a flat extent are written (a hole punched in a file could not be told from a device's). */
    @Override
    void writeZeroes(long offset, long len, boolean parentBelow, GrainFill fill) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(len, 1 << 20));
        for (long done = 0; done < len; ) {
            int n = (int) Math.min(zeros.capacity(), len - done);
            storage.write(start + offset + done, zeros.clear().limit(n));
            done += n;
        }
    }
}
