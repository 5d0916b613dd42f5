package dev.platter.format.qcow;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.Deflater;

/**
 * Small qcow (version 1) images built byte by byte: 512-byte clusters, 64-entry L2 tables (32 KiB per table), the
 * L1 table at 512, one L2 table at 1024, data clusters from 1536 filled with their cluster number, and optionally
 * one compressed cluster (raw deflate of bytes 0x5c) after them.
 */
final class TinyQcow {
    long size = 64 << 10;
    /** L2 entries: a data cluster number (1-based after the L2 table), 0 unallocated, -1 the compressed cluster. */
    int[] l2 = {1, 2, 0, -1, 3};
    String backing;
    int crypt;

    byte[] build() {
        int data = 1536;
        int highest = 0;
        for (int c : l2) {
            highest = Math.max(highest, c);
        }
        byte[] packed = deflate();
        int compressedAt = data + highest * 512;
        ByteBuffer f = ByteBuffer.allocate(compressedAt + packed.length + 512);
        f.putInt(0, QcowHeader.MAGIC).putInt(4, 1);
        if (backing != null) {
            byte[] name = backing.getBytes(StandardCharsets.UTF_8);
            f.putLong(8, 48).putInt(16, name.length).put(48, name);
        }
        f.putLong(24, size).put(32, (byte) 9).put(33, (byte) 6).putInt(36, crypt).putLong(40, 512);
        f.putLong(512, 1024);
        for (int i = 0; i < l2.length; i++) {
            long e;
            if (l2[i] > 0) {
                e = data + (l2[i] - 1) * 512L;
                for (int b = 0; b < 512; b++) {
                    f.put((int) e + b, (byte) l2[i]);
                }
            } else if (l2[i] == 0) {
                e = 0;
            } else {
                e = (1L << 63) | ((long) packed.length << (63 - 9)) | compressedAt;
            }
            f.putLong(1024 + 8 * i, e);
        }
        f.put(compressedAt, packed);
        return f.array();
    }

    static byte[] deflate() {
        byte[] cluster = new byte[512];
        java.util.Arrays.fill(cluster, (byte) 0x5c);
        Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        d.setInput(cluster);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1024];
        while (!d.finished()) {
            out.write(buf, 0, d.deflate(buf));
        }
        d.end();
        return out.toByteArray();
    }
}
