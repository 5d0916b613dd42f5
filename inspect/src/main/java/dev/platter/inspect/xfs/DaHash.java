package dev.platter.inspect.xfs;

/**
 * The name hash of directory and attribute indexes (xfs_da_hashname): for each byte, rotate the 32-bit hash left by
 * 7 and XOR the byte in. ASCII-CI filesystems hash the ASCII-lowercased name.
 */
final class DaHash {
    private DaHash() {
    }

    static int hash(byte[] name, boolean asciiCi) {
        int h = 0;
        for (byte b : name) {
            int c = b & 0xFF;
            if (asciiCi && c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            h = Integer.rotateLeft(h, 7) ^ c;
        }
        return h;
    }

    /** Name equality as the filesystem sees it: bytewise, or ignoring ASCII case on ASCII-CI filesystems. */
    static boolean sameName(byte[] a, byte[] b, boolean asciiCi) {
        if (a.length != b.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            int x = a[i] & 0xFF;
            int y = b[i] & 0xFF;
            if (asciiCi) {
                x = x >= 'A' && x <= 'Z' ? x + 32 : x;
                y = y >= 'A' && y <= 'Z' ? y + 32 : y;
            }
            if (x != y) {
                return false;
            }
        }
        return true;
    }
}
