package dev.platter.format.vmdk;

import dev.platter.core.CorruptImageException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A VMDK text descriptor (a stand-alone file, or embedded in a sparse extent), read as qemu 7.2 reads it: keys are
 * found by substring search (the first occurrence wins, wherever it is), extent lines are scanned field by field
 * and lines qemu does not understand (other access modes than RW, ZERO extents, comments, unknown keys) are
 * skipped. Bounded: at most {@link #MAX_BYTES} bytes (what qemu reads), {@link #MAX_LINES} lines and
 * {@link #MAX_EXTENTS} extents; the text ends at the first NUL.
 */
final class Descriptor {
    /** qemu reads at most this much of a descriptor (vmdk_read_desc). */
    static final int MAX_BYTES = (1 << 20) - 1;
    /** The area where qemu looks for CID, parentCID and parentFileNameHint (DESC_SIZE). */
    static final int KEY_AREA = 20 * 512;
    static final int MAX_LINES = 100_000;
    static final int MAX_EXTENTS = 4096;
    /** The createTypes qemu accepts in a stand-alone descriptor. */
    static final Set<String> FILE_TYPES = Set.of("monolithicFlat", "vmfs", "vmfsSparse", "seSparse",
            "twoGbMaxExtentSparse", "twoGbMaxExtentFlat");
    private static final Set<String> EXTENT_TYPES = Set.of(ExtentLine.FLAT, ExtentLine.SPARSE, ExtentLine.VMFS,
            ExtentLine.VMFS_SPARSE, ExtentLine.SE_SPARSE);
    private static final int MAX_NAME = 511;
    private static final int MAX_TYPE = 127;
    /** qemu's bound on a backing file name (PATH_MAX - 1). */
    private static final int MAX_HINT = 4095;

    /** The text, one char per byte (ISO-8859-1), up to the first NUL. */
    private final String text;
    private final String where;
    private final long offset;

    private Descriptor(String text, String where, long offset) {
        this.text = text;
        this.where = where;
        this.offset = offset;
    }

    /**
     * @param bytes  the bytes read (at most {@link #MAX_BYTES})
     * @param where  the structure's name in messages ("vmdk descriptor" ...)
     * @param offset where the bytes start in their file
     */
    static Descriptor of(byte[] bytes, int length, String where, long offset) throws CorruptImageException {
        int end = 0;
        int lines = 0;
        while (end < length && bytes[end] != 0) {
            if (bytes[end] == '\n' && ++lines > MAX_LINES) {
                throw new CorruptImageException(where, offset, "more than " + MAX_LINES + " lines");
            }
            end++;
        }
        return new Descriptor(new String(bytes, 0, end, StandardCharsets.ISO_8859_1), where, offset);
    }

    String text() {
        return text;
    }

    /**
     * The createType, found as qemu finds it: the first "createType" anywhere, two characters skipped, the value up
     * to the next quote.
     */
    String createType() throws CorruptImageException {
        int at = text.indexOf("createType");
        int start = at < 0 ? -1 : at + "createType".length() + 2;
        int close = start < 0 || start >= text.length() ? -1 : text.indexOf('"', start);
        if (close < 0 || close - start > MAX_TYPE) {
            throw new CorruptImageException(where, offset, "invalid VMDK image descriptor (no createType)");
        }
        return text.substring(start, close);
    }

    /** The extent lines qemu opens, in order. */
    List<ExtentLine> extents() throws CorruptImageException {
        List<ExtentLine> out = new ArrayList<>();
        int p = 0;
        while (p < text.length()) {
            int eol = text.indexOf('\n', p);
            int end = eol < 0 ? text.length() : eol;
            ExtentLine line = scanLine(p, end);
            if (line != null) {
                if (out.size() == MAX_EXTENTS) {
                    throw new CorruptImageException(where, offset, "more than " + MAX_EXTENTS + " extents");
                }
                out.add(line);
            }
            p = end + 1;
        }
        return out;
    }

    /**
     * qemu's {@code sscanf(line, "%10s %lld %10s \"%511[^\n\r\"]\" %lld")} and what it makes of the fields. The
     * scan stays inside the line (sscanf would go on over blank lines; no real descriptor needs that, and it keeps
     * the work linear).
     */
    private ExtentLine scanLine(int start, int end) throws CorruptImageException {
        Scan s = new Scan(text, start, end);
        String access = s.word(10);
        Long sectors = access == null ? null : s.integer();
        String type = sectors == null ? null : s.word(10);
        String name = null;
        Long flatOffset = null;
        if (type != null && s.skipSpace().literal('"')) {
            name = s.nameChars();
            if (name != null && s.literal('"')) {
                flatOffset = s.skipSpace().integer();
            }
        }
        int matches = access == null ? 0 : sectors == null ? 1 : type == null ? 2 : name == null ? 3
                : flatOffset == null ? 4 : 5;
        if (matches < 4 || !access.equals("RW")) {
            return null;
        }
        long off = flatOffset == null ? -1 : flatOffset;
        if (type.equals(ExtentLine.FLAT)) {
            if (matches != 5 || off < 0) {
                throw invalidLine(start, end);
            }
        } else if (type.equals(ExtentLine.VMFS)) {
            if (matches != 4) {
                throw invalidLine(start, end);
            }
            off = 0;
        } else if (matches != 4) {
            throw invalidLine(start, end);
        }
        if (sectors <= 0 || !EXTENT_TYPES.contains(type)) {
            return null;
        }
        String fileName = new String(name.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
        return new ExtentLine(sectors, type, fileName, off);
    }

    private CorruptImageException invalidLine(int start, int end) {
        String line = new String(text.substring(start, end).getBytes(StandardCharsets.ISO_8859_1),
                StandardCharsets.UTF_8);
        return new CorruptImageException(where, offset, "Invalid extent line: " + line);
    }

    // --------------------------------------------------------------------- the keys qemu reads from 10 KiB

    /**
     * CID or parentCID as qemu reads it from the key area: the first occurrence of the name (for "CID", possibly
     * inside "parentCID"), one more character skipped, then a hexadecimal number; null when there is none.
     */
    static Long cid(String area, boolean parent) {
        String key = parent ? "parentCID" : "CID";
        int at = area.indexOf(key);
        if (at < 0) {
            return null;
        }
        Scan s = new Scan(area, Math.min(area.length(), at + key.length() + 1), area.length());
        return s.skipSpace().hex32();
    }

    /**
     * parentFileNameHint as qemu reads it from the key area: the first occurrence, the name after {@code ="} up to
     * the next quote; null when there is none, "" for an empty name (no parent).
     */
    static String parentHint(String area, String where, long offset) throws CorruptImageException {
        String key = "parentFileNameHint";
        int at = area.indexOf(key);
        if (at < 0) {
            return null;
        }
        int start = at + key.length() + 2;
        int close = start > area.length() ? -1 : area.indexOf('"', start);
        if (close < 0) {
            throw new CorruptImageException(where, offset, "parentFileNameHint has no closing quote");
        }
        if (close - start > MAX_HINT) {
            throw new CorruptImageException(where, offset, "parentFileNameHint is longer than " + MAX_HINT
                    + " bytes");
        }
        return new String(area.substring(start, close).getBytes(StandardCharsets.ISO_8859_1),
                StandardCharsets.UTF_8);
    }

    /**
     * {@code text} with its CID replaced as qemu's vmdk_write_cid replaces it: the first "CID" (which must come
     * before "parentCID") gets the new value, everything from "parentCID" on is kept. The value keeps the old one's
     * number of digits where it can, so that a descriptor rewritten in place keeps its length.
     */
    static String withCid(String text, long cid) throws CorruptImageException {
        int parent = text.indexOf("parentCID");
        int at = text.indexOf("CID");
        if (parent < 0 || at < 0 || at == parent + "parent".length()) {
            throw new CorruptImageException("vmdk descriptor", 0, "no CID line before parentCID (the content ID "
                    + "cannot be updated)");
        }
        int start = Math.min(text.length(), at + "CID".length() + 1);
        int end = start;
        while (end < parent && Character.digit(text.charAt(end), 16) >= 0) {
            end++;
        }
        String hex = Long.toHexString(cid);
        if (hex.length() < end - start) {
            hex = "0".repeat(end - start - hex.length()) + hex;
        }
        String out = text.substring(0, start) + hex + "\n" + text.substring(parent);
        // VMware's long content ID ends in the CID: keep the two in step.
        int lc = out.indexOf(LONG_CONTENT_ID);
        int q = lc < 0 ? -1 : out.indexOf('"', lc + LONG_CONTENT_ID.length());
        int close = q < 0 ? -1 : out.indexOf('"', q + 1);
        if (close - q == 33) {
            out = out.substring(0, close - 8) + String.format("%08x", cid) + out.substring(close);
        }
        return out;
    }

    private static final String LONG_CONTENT_ID = "ddb.longContentID";

    /** The key area as text: {@code bytes} up to the first NUL. */
    static String keyArea(byte[] bytes, int length) {
        int end = 0;
        while (end < length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
    }

    /** A cursor with sscanf's conversions over {@code [pos, end)} of a text. */
    private static final class Scan {
        private final String t;
        private final int end;
        private int pos;

        Scan(String t, int pos, int end) {
            this.t = t;
            this.pos = pos;
            this.end = end;
        }

        Scan skipSpace() {
            while (pos < end && isSpace(t.charAt(pos))) {
                pos++;
            }
            return this;
        }

        boolean literal(char c) {
            if (pos < end && t.charAt(pos) == c) {
                pos++;
                return true;
            }
            return false;
        }

        /** %Ns: up to {@code width} non-space characters after spaces; null when there are none. */
        String word(int width) {
            skipSpace();
            int s = pos;
            while (pos < end && pos - s < width && !isSpace(t.charAt(pos))) {
                pos++;
            }
            return pos == s ? null : t.substring(s, pos);
        }

        /** %lld: spaces, a sign, decimal digits (saturating as strtoll does); null when there are no digits. */
        Long integer() {
            skipSpace();
            int s = pos;
            boolean negative = false;
            if (pos < end && (t.charAt(pos) == '+' || t.charAt(pos) == '-')) {
                negative = t.charAt(pos) == '-';
                pos++;
            }
            int digits = pos;
            long v = 0;
            boolean overflow = false;
            while (pos < end && t.charAt(pos) >= '0' && t.charAt(pos) <= '9') {
                int d = t.charAt(pos) - '0';
                if (v > (Long.MAX_VALUE - d) / 10) {
                    overflow = true;
                } else {
                    v = v * 10 + d;
                }
                pos++;
            }
            if (pos == digits) {
                pos = s;
                return null;
            }
            if (overflow) {
                return negative ? Long.MIN_VALUE : Long.MAX_VALUE;
            }
            return negative ? -v : v;
        }

        /** %x into 32 bits: an optional 0x, hex digits; the low 32 bits (all ones past 64 bits, as glibc). */
        Long hex32() {
            int s = pos;
            if (pos + 1 < end && t.charAt(pos) == '0' && (t.charAt(pos + 1) == 'x' || t.charAt(pos + 1) == 'X')
                    && pos + 2 < end && Character.digit(t.charAt(pos + 2), 16) >= 0) {
                pos += 2;
            }
            int digits = pos;
            long v = 0;
            boolean overflow = false;
            while (pos < end && Character.digit(t.charAt(pos), 16) >= 0 && t.charAt(pos) < 128) {
                if ((v >>> 60) != 0) {
                    overflow = true;
                }
                v = (v << 4) | Character.digit(t.charAt(pos), 16);
                pos++;
            }
            if (pos == digits) {
                pos = s;
                return null;
            }
            return overflow ? 0xffffffffL : v & 0xffffffffL;
        }

        /** %511[^\n\r"]: at least one character that is none of those. */
        String nameChars() {
            int s = pos;
            while (pos < end && pos - s < MAX_NAME) {
                char c = t.charAt(pos);
                if (c == '\n' || c == '\r' || c == '"') {
                    break;
                }
                pos++;
            }
            return pos == s ? null : t.substring(s, pos);
        }

        private static boolean isSpace(char c) {
            return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0b;
        }
    }
}
