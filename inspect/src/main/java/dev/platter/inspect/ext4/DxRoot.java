package dev.platter.inspect.ext4;

/**
 * The root of an htree directory, block 0: "." and ".." entries, then the root info (hash version, info length,
 * indirect levels) and the first index entries, counted by the limit/count pair at {@code 0x18 + info length}.
 */
record DxRoot(int hashVersion, int infoLength, int indirectLevels, int flags, int countOffset, int limit, int count) {

    /** Parses the root, or returns null with a reason in {@code why[0]} when block 0 is not a valid root. */
    static DxRoot parse(byte[] b, int blockSize, String[] why) {
        int dotRec = DirEntryRecord.recLen(b, 4, blockSize);
        int dotDotRec = DirEntryRecord.recLen(b, 12 + 4, blockSize);
        if (dotRec != 12 || Le.u8(b, 6) != 1 || b[8] != '.' || dotDotRec != blockSize - 12 || Le.u8(b, 12 + 6) != 2) {
            why[0] = "block 0 does not start with the '.' and '..' entries of an htree root";
            return null;
        }
        int infoLength = Le.u8(b, 0x1D);
        int countOffset = 0x18 + infoLength;
        if (infoLength != 8) {
            why[0] = "root info length " + infoLength + " (expected 8)";
            return null;
        }
        return new DxRoot(Le.u8(b, 0x1C), infoLength, Le.u8(b, 0x1E), Le.u8(b, 0x1F), countOffset,
                Le.u16(b, countOffset), Le.u16(b, countOffset + 2));
    }

    /** Entry {@code i} (0 .. count-1). */
    DxEntry entry(byte[] b, int i) {
        return DxEntry.parse(b, countOffset + i * DxEntry.SIZE, i == 0);
    }
}
