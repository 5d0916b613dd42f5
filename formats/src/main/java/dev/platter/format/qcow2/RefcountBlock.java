package dev.platter.format.qcow2;

/**
 * A refcount block: one cluster of {@code 1 << refcount_order}-bit counters. Counters of 8 bits and more are
 * big-endian integers; 1, 2 and 4-bit counters are packed in each byte starting at the least significant bit.
 */
final class RefcountBlock extends CachedTable {
    private final byte[] data;
    private final int order;

    RefcountBlock(long offset, byte[] data, int order) {
        super(offset);
        this.data = data;
        this.order = order;
    }

    int entries() {
        return (int) (((long) data.length * 8) >>> order);
    }

    long get(int index) {
        return get(data, index, order);
    }

    void set(int index, long value) {
        set(data, index, order, value);
    }

    static long get(byte[] data, int index, int order) {
        switch (order) {
            case 0, 1, 2 -> {
                int bits = 1 << order;
                int perByte = 8 / bits;
                int shift = (index % perByte) * bits;
                return (data[index / perByte] >>> shift) & ((1 << bits) - 1);
            }
            default -> {
                int bytes = 1 << (order - 3);
                int at = index * bytes;
                long v = 0;
                for (int i = 0; i < bytes; i++) {
                    v = (v << 8) | (data[at + i] & 0xff);
                }
                return v;
            }
        }
    }

    static void set(byte[] data, int index, int order, long value) {
        switch (order) {
            case 0, 1, 2 -> {
                int bits = 1 << order;
                int perByte = 8 / bits;
                int shift = (index % perByte) * bits;
                int mask = ((1 << bits) - 1) << shift;
                int b = data[index / perByte] & ~mask;
                data[index / perByte] = (byte) (b | (((int) value << shift) & mask));
            }
            default -> {
                int bytes = 1 << (order - 3);
                int at = index * bytes;
                for (int i = bytes - 1; i >= 0; i--) {
                    data[at + i] = (byte) value;
                    value >>>= 8;
                }
            }
        }
    }

    @Override
    int sizeBytes() {
        return data.length + 64;
    }

    @Override
    byte[] toBytes() {
        return data.clone();
    }
}
