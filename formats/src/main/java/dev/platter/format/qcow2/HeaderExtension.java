package dev.platter.format.qcow2;

import java.util.Arrays;

/**
 * One header extension record: {@code u32 type, u32 length, data[length]}, padded to 8 bytes. Known types are
 * decoded by {@link Qcow2Header}; unknown ones are kept as they are and written back on every header rewrite.
 */
record HeaderExtension(int type, byte[] data) {
    static final int END = 0;
    static final int BACKING_FORMAT = 0xE2792ACA;
    static final int FEATURE_NAME_TABLE = 0x6803F857;
    static final int BITMAPS = 0x23852875;
    static final int CRYPTO_HEADER = 0x0537BE77;
    static final int DATA_FILE = 0x44415441;

    HeaderExtension {
        data = data.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /** Bytes the record occupies on disk, header and padding included. */
    int recordSize() {
        return 8 + ((data.length + 7) & ~7);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HeaderExtension e && e.type == type && Arrays.equals(e.data, data);
    }

    @Override
    public int hashCode() {
        return type * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "HeaderExtension[type=0x" + Integer.toHexString(type) + ", " + data.length + " bytes]";
    }
}
