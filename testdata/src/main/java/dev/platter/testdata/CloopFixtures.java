package dev.platter.testdata;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.Deflater;

/**
 * cloop V2.0 images (which qemu-img reads but cannot create), built byte by byte as create_compressed_fs writes
 * them: the 128-byte shell preamble, the block size and count (big-endian u32), n+1 big-endian u64 offsets, then each
 * block as one zlib stream.
 */
public final class CloopFixtures {
    public static final String MAGIC = "#!/bin/sh\n#V2.0 Format\n"
            + "modprobe cloop file=$0 && mount -r -t iso9660 /dev/cloop $1\n";

    private CloopFixtures() {
    }

    /** The content of block {@code i} of {@code blockSize} bytes in {@link #image}: every third block zeros. */
    public static byte[] block(int i, int blockSize) {
        byte[] b = new byte[blockSize];
        if (i % 3 != 1) {
            for (int j = 0; j < blockSize; j++) {
                b[j] = (byte) (i * 7 + j / 100);
            }
        }
        return b;
    }

    /** An image of {@code blocks} blocks of {@code blockSize} bytes holding {@link #block}s. */
    public static byte[] image(int blockSize, int blocks) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        long[] offsets = new long[blocks + 1];
        long base = 136 + 8L * (blocks + 1);
        for (int i = 0; i < blocks; i++) {
            offsets[i] = base + data.size();
            byte[] packed = deflate(block(i, blockSize));
            data.write(packed, 0, packed.length);
        }
        offsets[blocks] = base + data.size();
        ByteBuffer f = ByteBuffer.allocate((int) base + data.size());
        f.put(0, MAGIC.getBytes(StandardCharsets.US_ASCII));
        f.putInt(128, blockSize).putInt(132, blocks);
        for (int i = 0; i <= blocks; i++) {
            f.putLong(136 + 8 * i, offsets[i]);
        }
        f.put((int) base, data.toByteArray());
        return f.array();
    }

    private static byte[] deflate(byte[] in) {
        Deflater d = new Deflater(9);
        d.setInput(in);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        while (!d.finished()) {
            out.write(buf, 0, d.deflate(buf));
        }
        d.end();
        return out.toByteArray();
    }
}
