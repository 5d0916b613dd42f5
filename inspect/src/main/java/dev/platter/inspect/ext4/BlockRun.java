package dev.platter.inspect.ext4;

/**
 * A run of file blocks with one fate: stored from {@code physical} on, preallocated but unwritten (reads as
 * zeros), or a hole. {@code count} is at least 1.
 */
record BlockRun(long logical, long count, long physical, Kind kind) {
    enum Kind { DATA, UNWRITTEN, HOLE }

    /** The length of a hole that never ends (past the last block a file can map): far beyond any file size. */
    static final long ENDLESS = 1L << 40;

    static BlockRun hole(long logical, long count) {
        return new BlockRun(logical, Math.max(1, count), -1, Kind.HOLE);
    }

    static BlockRun endlessHole(long logical) {
        return new BlockRun(logical, ENDLESS, -1, Kind.HOLE);
    }
}
