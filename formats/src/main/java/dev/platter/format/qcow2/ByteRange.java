package dev.platter.format.qcow2;

/** A range of virtual bytes: [start, start + length). */
public record ByteRange(long start, long length) {
    public long end() {
        return start + length;
    }
}
