package dev.platter.format.vmdk;

import dev.platter.operation.Convert;
import dev.platter.operation.ConvertOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The streamOptimized files Platter writes, parsed independently of Platter's reader (plain little-endian reads
 * and java.util.zip), field by field: the open-vmdk layout of a file target and the technote's streaming layout of
 * a stdout target.
 */
class StreamLayoutTest {
    private static final int GRAIN = 65536;
    @TempDir
    static Path dir;
    static byte[] source;
    static Path sourceFile;

    /** 70 MiB (three grain tables): text, random bytes, zeros, and a last grain cut short. */
    @BeforeAll
    static void source() throws IOException {
        source = new byte[(70 << 20) + 3 * 512];
        Random r = new Random(5);
        byte[] text = "the grain directory follows the tables ".repeat(2000).getBytes(StandardCharsets.US_ASCII);
        for (int at = 0; at < source.length; at += 5 << 20) {
            System.arraycopy(text, 0, source, at, Math.min(text.length, source.length - at));
        }
        for (int i = 33 << 20; i < (33 << 20) + 200_000; i++) {
            source[i] = (byte) r.nextInt();
        }
        Arrays.fill(source, source.length - 1000, source.length, (byte) 1);
        sourceFile = dir.resolve("src.raw");
        Files.write(sourceFile, source);
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ConvertOptions options(Path target) {
        return ConvertOptions.builder(List.of(sourceFile), target).sourceFormat("raw").targetFormat("vmdk")
                .createOptions(Map.of("subformat", "streamOptimized")).build();
    }

    @Test
    void aFileTargetHasOpenVmdksLayout() throws IOException {
        Path target = dir.resolve("file.vmdk");
        Convert.run(options(target), dev.platter.core.ProgressListener.NONE);
        byte[] f = Files.readAllBytes(target);
        ByteBuffer h = le(f);
        long capacity = (source.length + 511) / 512;
        long grains = (capacity + 127) / 128;
        long tables = (grains + 511) / 512;
        long gdSectors = (tables * 4 + 511) / 512;
        assertEquals("KDMV", new String(f, 0, 4, StandardCharsets.US_ASCII));
        assertEquals(3, h.getInt(4), "version");
        assertEquals(0x30001, h.getInt(8), "flags: newline test, compressed, markers; no redundant directory");
        assertEquals(capacity, h.getLong(12), "capacity");
        assertEquals(128, h.getLong(20), "grain size");
        assertEquals(1, h.getLong(28), "descriptor offset");
        assertEquals(20, h.getLong(36), "descriptor size");
        assertEquals(512, h.getInt(44), "grain table entries");
        assertEquals(0, h.getLong(48), "redundant directory");
        assertEquals(21, h.getLong(56), "directory at sector 21");
        long overHead = 21 + gdSectors + tables * 4;
        assertEquals(overHead, h.getLong(64), "overHead: the end of the tables, not rounded");
        assertEquals(0, f[72], "clean shutdown");
        assertArrayEquals(new byte[] {'\n', ' ', '\r', '\n'}, Arrays.copyOfRange(f, 73, 77), "newline detector");
        assertEquals(1, h.getShort(77), "deflate");
        descriptor(f, "file.vmdk");
        int[] gt = new int[(int) (tables * 512)];
        for (int t = 0; t < tables; t++) {
            assertEquals(21 + gdSectors + t * 4, h.getInt(21 * 512 + t * 4), "directory entry " + t);
            for (int e = 0; e < 512; e++) {
                gt[t * 512 + e] = h.getInt((int) ((21 + gdSectors + t * 4) * 512 + e * 4));
            }
        }
        long end = grains(f, overHead, gt, grains);
        assertEquals(f.length, (end + 1) * 512, "the file ends with the end-of-stream marker");
        assertTrue(isZero(f, (int) (end * 512), 512), "an end-of-stream marker after the last grain");
    }

    @Test
    void aStdoutTargetHasTheTechnotesStreamingLayout() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Convert.toStream(options(Path.of("-")), out, dev.platter.core.ProgressListener.NONE);
        byte[] f = out.toByteArray();
        ByteBuffer h = le(f);
        long capacity = (source.length + 511) / 512;
        long grains = (capacity + 127) / 128;
        long tables = (grains + 511) / 512;
        long gdSectors = (tables * 4 + 511) / 512;
        assertEquals(0x30001, h.getInt(8), "flags");
        assertEquals(-1L, h.getLong(56), "GD_AT_END");
        assertEquals(21, h.getLong(64), "grains follow the descriptor");
        descriptor(f, "disk.vmdk");
        // Walk every record: grains ascending, each table after its grains, then directory, footer, end.
        int[] gt = new int[(int) (tables * 512)];
        long s = 21;
        long lastLba = -1;
        long gdAt = -1;
        int tablesSeen = 0;
        while (true) {
            long val = h.getLong((int) (s * 512));
            int size = h.getInt((int) (s * 512 + 8));
            if (size != 0) {
                assertTrue(val > lastLba && val % 128 == 0, "grains ascend: " + val + " after " + lastLba);
                gt[(int) (val / 128)] = (int) s;
                lastLba = val;
                s += (12 + size + 511) / 512;
                continue;
            }
            int type = h.getInt((int) (s * 512 + 12));
            if (type == 1) {
                assertEquals(4, val, "a grain table marker precedes 4 sectors");
                int t = (int) (lastLba / 128 / 512);
                for (int e = 0; e < 512; e++) {
                    assertEquals(gt[t * 512 + e], h.getInt((int) ((s + 1) * 512 + e * 4)), "table " + t + "[" + e
                            + "]");
                }
                tablesSeen++;
                s += 5;
            } else if (type == 2) {
                assertEquals(gdSectors, val);
                gdAt = s + 1;
                s += 1 + gdSectors;
            } else if (type == 3) {
                assertEquals(1, val);
                assertEquals("KDMV", new String(f, (int) ((s + 1) * 512), 4, StandardCharsets.US_ASCII));
                assertEquals(gdAt, h.getLong((int) ((s + 1) * 512 + 56)), "the footer holds the directory's place");
                s += 2;
            } else {
                assertEquals(0, type, "end of stream");
                assertEquals(0, val);
                break;
            }
        }
        assertEquals(f.length, (s + 1) * 512, "the stream ends with its end-of-stream marker");
        assertTrue(gdAt > 0 && tablesSeen > 0);
        for (int t = 0; t < tables; t++) {
            int at = h.getInt((int) (gdAt * 512 + t * 4));
            if (at != 0) {
                for (int e = 0; e < 512; e++) {
                    assertEquals(gt[t * 512 + e], h.getInt(at * 512 + e * 4));
                }
            }
        }
        grains(f, 21, gt, grains);
    }

    /** Checks every grain against the source; returns the sector after the last grain record. */
    private static long grains(byte[] f, long first, int[] gt, long grains) throws IOException {
        ByteBuffer h = le(f);
        long end = first;
        long previous = -1;
        for (int g = 0; g < grains; g++) {
            int from = g * GRAIN;
            int len = Math.min(GRAIN, source.length - from);
            if (gt[g] == 0) {
                assertTrue(isZero(source, from, len), "grain " + g + " has data but no table entry");
                continue;
            }
            assertTrue(gt[g] > previous, "grains lie in ascending order");
            previous = gt[g];
            int at = gt[g] * 512;
            assertEquals((long) g * 128, h.getLong(at), "grain marker LBA");
            int size = h.getInt(at + 8);
            assertEquals(0x78, f[at + 12] & 0xff, "a zlib header");
            byte[] grain = inflate(f, at + 12, size);
            assertTrue(grain.length >= len);
            assertArrayEquals(Arrays.copyOfRange(source, from, from + len), Arrays.copyOf(grain, len), "grain " + g);
            end = Math.max(end, gt[g] + (12L + size + 511) / 512);
        }
        return end;
    }

    private static void descriptor(byte[] f, String name) {
        String d = new String(f, 512, 20 * 512, StandardCharsets.UTF_8);
        d = d.substring(0, d.indexOf('\0'));
        assertTrue(d.startsWith("# Disk DescriptorFile\nversion=1\nencoding=\"UTF-8\"\nCID="), d);
        Matcher cid = Pattern.compile("(?m)^CID=([0-9a-f]{8})$").matcher(d);
        assertTrue(cid.find(), d);
        assertTrue(d.contains("\nparentCID=ffffffff\n") && d.contains("\ncreateType=\"streamOptimized\"\n"), d);
        assertTrue(d.contains("\nRW " + (source.length + 511) / 512 + " SPARSE \"" + name + "\"\n"), d);
        Matcher lc = Pattern.compile("ddb.longContentID = \"([0-9a-f]{32})\"").matcher(d);
        assertTrue(lc.find() && lc.group(1).endsWith(cid.group(1)), "longContentID ends in the CID: " + d);
        assertTrue(Pattern.compile("ddb.uuid = \"([0-9a-f]{2} ){7}[0-9a-f]{2}-([0-9a-f]{2} ){7}[0-9a-f]{2}\"")
                .matcher(d).find(), d);
        for (String key : new String[] {"ddb.virtualHWVersion = \"4\"", "ddb.geometry.heads = \"255\"",
            "ddb.geometry.sectors = \"63\"", "ddb.adapterType = \"lsilogic\"", "ddb.toolsInstallType = \"4\"",
            "ddb.toolsVersion = \"2147483647\"", "ddb.geometry.cylinders = \""
                    + Math.min(65535, ((source.length + 511) / 512 + 255 * 63 - 1) / (255 * 63)) + "\""}) {
            assertTrue(d.contains("\n" + key + "\n"), key + " in " + d);
        }
    }

    private static byte[] inflate(byte[] f, int at, int size) throws IOException {
        Inflater inf = new Inflater();
        try {
            inf.setInput(f, at, size);
            byte[] out = new byte[GRAIN];
            int n = inf.inflate(out);
            assertTrue(inf.finished(), "the zlib stream ends within the grain");
            return Arrays.copyOf(out, n);
        } catch (DataFormatException e) {
            throw new IOException(e);
        } finally {
            inf.end();
        }
    }

    private static boolean isZero(byte[] b, int from, int len) {
        for (int i = from; i < from + len; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
