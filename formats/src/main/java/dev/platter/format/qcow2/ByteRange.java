package dev.platter.format.qcow2;

/** A range of guest bytes: [start, start + length). */
public record ByteRange(long start, long length) {
    public long end() {
        return start + length;
    }
}
