package dev.platter.format.qcow2;

import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compressed clusters: qemu inflates every stream Platter writes (deflate within qemu's 4 KiB window, with the
 * system zlib and with the pure-Java fallback; zstd), incompressible clusters are reported as such, several
 * streams share host clusters with qemu's refcounts, and the result is as small as qemu-img convert -c's.
 */
@RequiresTool("qemu-img")
class Qcow2CompressionTest {
    @TempDir
    Path dir;

    /** Text, repeats nearer and further than 4 KiB, random tails: every kind of back-reference. */
    static byte[] mixed(int size, long seed) {
        Random r = new Random(seed);
        byte[] b = new byte[size];
        byte[] words = ("the quick brown fox jumps over the lazy dog while qemu inflates with a window of "
                + "four kibibytes and nothing further back ").getBytes(StandardCharsets.US_ASCII);
        int pos = 0;
        while (pos < size) {
            int kind = r.nextInt(4);
            int len = Math.min(size - pos, 512 + r.nextInt(6000));
            switch (kind) {
                case 0 -> {
                    for (int i = 0; i < len; i++) {
                        b[pos + i] = words[(i + r.nextInt(3)) % words.length];
                    }
                }
                case 1 -> { // a copy of something 5 to 20 KiB back: too far for a 4 KiB window
                    int back = 5000 + r.nextInt(15000);
                    for (int i = 0; i < len; i++) {
                        b[pos + i] = pos - back + i >= 0 ? b[pos - back + i] : (byte) i;
                    }
                }
                case 2 -> {
                    byte[] rnd = new byte[len];
                    r.nextBytes(rnd);
                    System.arraycopy(rnd, 0, b, pos, len);
                }
                default -> { // a copy of something 1 to 3 KiB back
                    int back = 1000 + r.nextInt(2000);
                    for (int i = 0; i < len; i++) {
                        b[pos + i] = pos - back + i >= 0 ? b[pos - back + i] : (byte) i;
                    }
                }
            }
            pos += len;
        }
        return b;
    }

    @ParameterizedTest
    @ValueSource(strings = {"zlib", "zlib-java", "zstd"})
    void qemuInflatesWhatPlatterCompressed(String kind) throws Exception {
        int cs = 65536;
        byte[] content = mixed(64 * cs, 1);
        Path img = dir.resolve(kind + ".qcow2");
        String type = kind.startsWith("zlib") ? "zlib" : "zstd";
        new Qcow2Format().create(img, content.length, CreateOptions.of(java.util.Map.of("compression_type", type)));
        ClusterCompressor java = new DeflateCodec.JavaCompressor(cs);
        int compressed = 0;
        try (Qcow2Image q = (Qcow2Image) Images.open(img, OpenOptions.readWriteDefaults())) {
            ClusterCompressor c = kind.equals("zlib-java") ? java : q.compressor();
            for (int off = 0; off < content.length; off += cs) {
                ByteBuffer raw = ByteBuffer.wrap(content, off, cs);
                ByteBuffer z = c.compress(raw);
                if (z == null) {
                    q.write(off, raw);
                } else {
                    q.writeCompressedCluster(off, z);
                    compressed++;
                }
            }
        }
        assertTrue(compressed > 32, "only " + compressed + " clusters compressed");
        Path raw = dir.resolve("content.raw");
        Files.write(raw, content);
        Qemu.assertClean(img);
        Tool.Result cmp = Qemu.img("compare", "-f", "raw", "-F", "qcow2", raw.toString(), img.toString());
        assertEquals("Images are identical.\n", cmp.stdout(), cmp.stderr());
    }

    @Test
    void incompressibleClustersAreReportedSo() throws Exception {
        byte[] random = new byte[65536];
        new Random(3).nextBytes(random);
        for (CompressionType t : CompressionType.values()) {
            assertNull(t.compressor(65536).compress(ByteBuffer.wrap(random)), t.toString());
            assertNotNull(t.compressor(65536).compress(ByteBuffer.wrap(new byte[100])), t + " short input");
        }
        assertNull(new DeflateCodec.JavaCompressor(65536).compress(ByteBuffer.wrap(random)));
    }

    /** The same bytes as qemu-img convert -c, and the same packing: the file comes out the same size. */
    @ParameterizedTest
    @ValueSource(strings = {"zlib", "zstd"})
    void asSmallAsQemuImgConvert(String type) throws Exception {
        int cs = 65536;
        byte[] content = mixed(96 * cs, 2);
        Path raw = dir.resolve("src.raw");
        Files.write(raw, content);
        Path theirs = dir.resolve("theirs.qcow2");
        Qemu.img("convert", "-c", "-f", "raw", "-O", "qcow2", "-o", "compression_type=" + type, raw.toString(),
                theirs.toString()).ok();
        Path ours = dir.resolve("ours.qcow2");
        new Qcow2Format().create(ours, content.length, CreateOptions.of(java.util.Map.of("compression_type", type)));
        try (Qcow2Image q = (Qcow2Image) Images.open(ours, OpenOptions.readWriteDefaults())) {
            // Compress in parallel (as convert does), store in order.
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                java.util.List<Future<ByteBuffer>> jobs = new java.util.ArrayList<>();
                for (int off = 0; off < content.length; off += cs) {
                    ByteBuffer src = ByteBuffer.wrap(content, off, cs);
                    jobs.add(pool.submit(() -> q.compressor().compress(src)));
                }
                for (int i = 0; i < jobs.size(); i++) {
                    ByteBuffer z = jobs.get(i).get();
                    if (z == null) {
                        q.write((long) i * cs, ByteBuffer.wrap(content, i * cs, cs));
                    } else {
                        q.writeCompressedCluster((long) i * cs, z);
                    }
                }
            } finally {
                pool.shutdown();
            }
        }
        Qemu.assertClean(ours);
        String theirsCheck = Qemu.img("check", "--output=json", theirs.toString()).ok().stdout();
        String oursCheck = Qemu.img("check", "--output=json", ours.toString()).ok().stdout();
        assertEquals(theirsCheck.replace(theirs.toString(), "X"), oursCheck.replace(ours.toString(), "X"));
        assertEquals(Files.size(theirs), Files.size(ours));
    }
}
