package dev.platter.format.qed;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Small QED images built byte by byte for hostile-input and fuzz tests: 4 KiB clusters, tables of two clusters
 * (1024 entries, the smallest qemu opens), the L1 table at cluster 1, one L2 table at cluster 3 and data clusters
 * from cluster 5, each filled with its number. {@code l2} lists the first L2 entries by kind: a data cluster
 * number, 0 unallocated, -1 zero.
 */
final class TinyQed {
    static final int CLUSTER = 4096;
    long imageSize = 8L << 20;
    int[] l2 = {5, 6, 0, -1, 7};
    String backing;
    long features;

    byte[] build() {
        int highest = 4;
        for (int c : l2) {
            highest = Math.max(highest, c);
        }
        ByteBuffer f = ByteBuffer.allocate((highest + 1) * CLUSTER).order(ByteOrder.LITTLE_ENDIAN);
        f.putInt(0, QedHeader.MAGIC).putInt(4, CLUSTER).putInt(8, 2).putInt(12, 1);
        long feats = features;
        if (backing != null) {
            byte[] name = backing.getBytes(StandardCharsets.UTF_8);
            feats |= QedHeader.F_BACKING_FILE;
            f.putInt(56, 64).putInt(60, name.length).put(64, name);
        }
        f.putLong(16, feats).putLong(40, CLUSTER).putLong(48, imageSize);
        f.putLong(CLUSTER, 3L * CLUSTER);
        for (int i = 0; i < l2.length; i++) {
            long e = l2[i] > 0 ? (long) l2[i] * CLUSTER : l2[i] == 0 ? 0 : 1;
            f.putLong(3 * CLUSTER + 8 * i, e);
            if (l2[i] > 0) {
                for (int b = 0; b < CLUSTER; b++) {
                    f.put(l2[i] * CLUSTER + b, (byte) l2[i]);
                }
            }
        }
        return f.array();
    }
}
