package dev.platter.testdata;

import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.zip.Deflater;

/**
 * Apple disk images (UDIF, which qemu-img reads but cannot create), built byte by byte from the format: the data
 * fork (each chunk's bytes, one after another), one "mish" block table, kept either in an XML property list
 * ({@code <data>}, base64 broken into lines as hdiutil writes it) or in a resource fork, and the 512-byte "koly"
 * trailer at the end. Chunk {@code i} covers sectors {@code 8i} to {@code 8i+7}.
 */
public final class DmgFixtures {
    public static final int ZERO = 0;
    public static final int RAW = 1;
    public static final int IGNORE = 2;
    public static final int ADC = 0x80000004;
    public static final int ZLIB = 0x80000005;
    public static final int BZIP2 = 0x80000006;
    public static final int LZFSE = 0x80000007;
    public static final int COMMENT = 0x7ffffffe;
    private static final int SECTORS = 8;

    private DmgFixtures() {
    }

    /** What chunk {@code i} of type {@code type} reads as (ADC and LZFSE: what their bytes would decode to). */
    public static byte[] content(int i, int type) {
        byte[] b = new byte[SECTORS * 512];
        if (type != ZERO && type != IGNORE) {
            for (int j = 0; j < b.length; j++) {
                b[j] = (byte) (i * 13 + j / 300 + 1);
            }
        }
        return b;
    }

    /** The disk the chunks make (every chunk's {@link #content}, end to end). */
    public static byte[] disk(int... types) {
        ByteBuffer d = ByteBuffer.allocate(types.length * SECTORS * 512);
        for (int i = 0; i < types.length; i++) {
            d.put(content(i, types[i]));
        }
        return d.array();
    }

    /** An image of one chunk per type, its table in a resource fork or (false) in an XML property list. */
    public static byte[] image(boolean resourceFork, int... types) {
        ByteArrayOutputStream fork = new ByteArrayOutputStream();
        ByteBuffer mish = ByteBuffer.allocate(204 + 40 * (types.length + 2));
        mish.putInt(0, 0x6d697368).putInt(4, 1).putLong(16, (long) types.length * SECTORS)
                .putInt(200, types.length + 2);
        int e = 204;
        for (int i = 0; i < types.length; i++) {
            byte[] stored = store(types[i], content(i, types[i]));
            mish.putInt(e, types[i]).putLong(e + 8, (long) i * SECTORS).putLong(e + 16, SECTORS)
                    .putLong(e + 24, fork.size()).putLong(e + 32, stored.length);
            fork.write(stored, 0, stored.length);
            e += 40;
        }
        mish.putInt(e, COMMENT); // a comment, skipped
        mish.putInt(e + 40, 0xffffffff).putLong(e + 48, (long) types.length * SECTORS); // the terminator
        byte[] table = mish.array();
        int dataEnd = fork.size();
        byte[] meta = resourceFork ? resourceFork(table) : plist(table);
        ByteBuffer f = ByteBuffer.allocate(dataEnd + meta.length + 512);
        f.put(0, fork.toByteArray()).put(dataEnd, meta);
        int koly = dataEnd + meta.length;
        f.put(koly, "koly".getBytes(StandardCharsets.US_ASCII)).putInt(koly + 4, 4).putInt(koly + 8, 512);
        f.putLong(koly + 0x18, 0).putLong(koly + 0x20, dataEnd);
        if (resourceFork) {
            f.putLong(koly + 0x28, dataEnd).putLong(koly + 0x30, meta.length);
        } else {
            f.putLong(koly + 0xd8, dataEnd).putLong(koly + 0xe0, meta.length);
        }
        f.putLong(koly + 0x1ec, (long) types.length * SECTORS);
        return f.array();
    }

    private static byte[] plist(byte[] table) {
        String b64 = Base64.getMimeEncoder(52, "\n\t\t\t".getBytes(StandardCharsets.US_ASCII)).encodeToString(table);
        String xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>\n"
                + "\t<key>resource-fork</key>\n\t<dict>\n\t\t<key>blkx</key>\n\t\t<array>\n\t\t\t<dict>\n"
                + "\t\t\t\t<key>Data</key>\n\t\t\t\t<data>\n\t\t\t" + b64 + "\n\t\t\t\t</data>\n"
                + "\t\t\t\t<key>Name</key>\n\t\t\t\t<string>disk image (Apple_HFS : 1)</string>\n"
                + "\t\t\t</dict>\n\t\t</array>\n\t</dict>\n</dict>\n</plist>\n";
        return xml.getBytes(StandardCharsets.US_ASCII);
    }

    /** A classic resource fork: header (data at 0x100), then the data: one resource, its length first. */
    private static byte[] resourceFork(byte[] table) {
        ByteBuffer r = ByteBuffer.allocate(0x100 + 4 + table.length);
        r.putInt(0, 0x100).putInt(4, 0x100 + 4 + table.length).putInt(8, 4 + table.length).putInt(12, 0);
        r.putInt(0x100, table.length).put(0x104, table);
        return r.array();
    }

    private static byte[] store(int type, byte[] data) {
        try {
            switch (type) {
                case RAW:
                    return data;
                case ZLIB: {
                    Deflater d = new Deflater();
                    d.setInput(data);
                    d.finish();
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    byte[] buf = new byte[8192];
                    while (!d.finished()) {
                        out.write(buf, 0, d.deflate(buf));
                    }
                    d.end();
                    return out.toByteArray();
                }
                case BZIP2: {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    try (BZip2CompressorOutputStream z = new BZip2CompressorOutputStream(out)) {
                        z.write(data);
                    }
                    return out.toByteArray();
                }
                case ADC:
                case LZFSE:
                    return new byte[] {1, 2, 3, 4, 5, 6, 7, 8};
                default:
                    return new byte[0];
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
