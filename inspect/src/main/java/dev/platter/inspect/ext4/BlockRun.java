package dev.platter.inspect.ext4;

/**
 * A run of file blocks with one fate: stored from {@code physical} on, preallocated but unwritten (reads as
 * zeros), or a hole. {@code count} is at least 1.
 */
record BlockRun(long logical, long count, long physical, Kind kind) {
    enum Kind { DATA, UNWRITTEN, HOLE }

    static BlockRun hole(long logical, long count) {
        return new BlockRun(logical, Math.max(1, count), -1, Kind.HOLE);
    }
}
