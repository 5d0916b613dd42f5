package dev.platter.format.vmdk;

import dev.platter.core.image.MappedRun;
import dev.platter.core.storage.Storage;

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
}
