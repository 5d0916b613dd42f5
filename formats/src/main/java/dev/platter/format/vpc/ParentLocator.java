package dev.platter.format.vpc;

import java.nio.charset.StandardCharsets;

/**
 * One parent locator entry of a differencing VHD: where, in the file, one spelling of the parent's path is. The
 * platform code says which: "W2ru" a relative and "W2ku" an absolute Windows path (UTF-16 little-endian), "MacX" a
 * file URL (UTF-8); "Wi2r", "Wi2k" and "Mac " are deprecated forms Platter does not follow.
 *
 * @param index      its slot (0-7) in the header
 * @param code       the platform code
 * @param dataSpace  sectors reserved for the name (some writers store bytes here)
 * @param dataLength bytes of the name
 * @param dataOffset where the name is in the file
 */
record ParentLocator(int index, int code, long dataSpace, long dataLength, long dataOffset) {
    static final int W2RU = code("W2ru");
    static final int W2KU = code("W2ku");
    static final int MACX = code("MacX");
    /** Longer names than this are not a path (Windows' own limit is 32767 UTF-16 units). */
    static final int MAX_LENGTH = 65536;

    static int code(String four) {
        byte[] b = four.getBytes(StandardCharsets.ISO_8859_1);
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    String codeText() {
        byte[] b = {(byte) (code >>> 24), (byte) (code >>> 16), (byte) (code >>> 8), (byte) code};
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(x >= 0x20 && x < 0x7f ? (char) x : '?');
        }
        return sb.toString();
    }

    /** The stored name turned into a path as Platter resolves it (slashes, no "file://"), or null if unusable. */
    String decode(byte[] raw) {
        String s;
        if (code == W2RU || code == W2KU) {
            s = new String(raw, StandardCharsets.UTF_16LE);
        } else if (code == MACX) {
            s = new String(raw, StandardCharsets.UTF_8);
            if (s.startsWith("file://")) {
                s = s.substring("file://".length());
            }
        } else {
            return null;
        }
        int nul = s.indexOf('\0');
        if (nul >= 0) {
            s = s.substring(0, nul);
        }
        if (code == W2RU || code == W2KU) {
            s = s.replace('\\', '/');
            if (s.startsWith("./")) {
                s = s.substring(2);
            }
            if (s.matches("^[A-Za-z]:/.*")) {
                return null; // a Windows drive: no such path here
            }
        }
        return s.isEmpty() ? null : s;
    }
}
