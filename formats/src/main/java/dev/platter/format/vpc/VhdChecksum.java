package dev.platter.format.vpc;

/** The VHD checksum of the footer and the dynamic header: the one's complement of the byte sum. */
final class VhdChecksum {
    private VhdChecksum() {
    }

    /** The checksum of {@code bytes[0..length)} with the 4 bytes at {@code fieldAt} (the stored checksum) as zero. */
    static int of(byte[] bytes, int length, int fieldAt) {
        int sum = 0;
        for (int i = 0; i < length; i++) {
            if (i < fieldAt || i >= fieldAt + 4) {
                sum += bytes[i] & 0xff;
            }
        }
        return ~sum;
    }
}
