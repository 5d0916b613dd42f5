package dev.platter.format.qcow2;

import java.nio.ByteBuffer;

/**
 * An L2 table: one cluster of big-endian 64-bit entries. With extended L2 the entries come in pairs (the entry,
 * then its subcluster bitmap), so {@link #entry} and {@link #bitmap} take the cluster's index in the table.
 */
final class L2Table extends CachedTable {
    private final long[] words;
    private final boolean extended;

    L2Table(long offset, long[] words, boolean extended) {
        super(offset);
        this.words = words;
        this.extended = extended;
    }

    static L2Table parse(long offset, ByteBuffer cluster, boolean extended) {
        long[] words = new long[cluster.remaining() / 8];
        cluster.asLongBuffer().get(words);
        return new L2Table(offset, words, extended);
    }

    static L2Table empty(long offset, int clusterSize, boolean extended) {
        return new L2Table(offset, new long[clusterSize / 8], extended);
    }

    /** A copy at another offset (copy-on-write of a shared table). */
    L2Table copyTo(long newOffset) {
        return new L2Table(newOffset, words.clone(), extended);
    }

    int entries() {
        return extended ? words.length / 2 : words.length;
    }

    long entry(int index) {
        return words[extended ? index * 2 : index];
    }

    long bitmap(int index) {
        return extended ? words[index * 2 + 1] : 0;
    }

    void set(int index, long entry) {
        words[extended ? index * 2 : index] = entry;
    }

    void set(int index, long entry, long bitmap) {
        if (extended) {
            words[index * 2] = entry;
            words[index * 2 + 1] = bitmap;
        } else {
            words[index] = entry;
        }
    }

    @Override
    int sizeBytes() {
        return words.length * 8 + 64;
    }

    @Override
    byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(words.length * 8);
        b.asLongBuffer().put(words);
        return b.array();
    }
}
