package dev.platter.inspect.ext4;

/**
 * The 12-byte header of every extent-tree node (in i_block or in a block).
 *
 * @param entries entries in use
 * @param max     capacity of the node
 * @param depth   0 for a leaf (extents), else index entries pointing one level down
 */
record ExtentHeader(int entries, int max, int depth) {
    static final int MAGIC = 0xF30A;
    static final int SIZE = 12;
    /** The kernel's EXT4_MAX_EXTENT_DEPTH. */
    static final int MAX_DEPTH = 5;

    /** Parses and checks a header of a node of {@code nodeBytes} bytes; returns a description of the problem. */
    static ExtentHeader parse(byte[] b, int off) {
        return new ExtentHeader(Le.u16(b, off + 2), Le.u16(b, off + 4), Le.u16(b, off + 6));
    }

    static boolean hasMagic(byte[] b, int off) {
        return Le.u16(b, off) == MAGIC;
    }

    /** Null when the header is consistent with a node of {@code nodeBytes} bytes, else what is wrong. */
    String problem(int nodeBytes) {
        int capacity = (nodeBytes - SIZE) / ExtentLeaf.SIZE;
        if (max == 0 || max > capacity) {
            return "capacity " + max + " (the node holds at most " + capacity + ")";
        }
        if (entries > max) {
            return entries + " entries exceed the capacity " + max;
        }
        if (depth > MAX_DEPTH) {
            return "depth " + depth + " (at most " + MAX_DEPTH + ")";
        }
        return null;
    }
}
