package dev.platter.format.vdi;

import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageCheck;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What Platter writes is what qemu-img writes: new images byte for byte (the two random UUIDs aside), and images
 * written through the API read back equal in qemu-img and check clean there.
 */
@RequiresTool("qemu-img")
class VdiWriteTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"0,off", "1000,off", "3145728,off", "3145728,on", "104857600,off", "5368709120,off",
        "5368709121,on", "1048575,on"})
    void createIsQemuImgsCreate(long size, String fixed) throws Exception {
        Path mine = dir.resolve("mine.vdi");
        Path theirs = dir.resolve("theirs.vdi");
        new VdiFormat().create(mine, size, CreateOptions.of(Map.of("static", fixed)));
        Tool.run("qemu-img", "create", "-q", "-f", "vdi", "-o", "static=" + fixed, theirs.toString(),
                Long.toString(size)).ok();
        assertEquals(Files.size(theirs), Files.size(mine), "file size");
        byte[] a = withoutUuids(metadata(mine));
        byte[] b = withoutUuids(metadata(theirs));
        assertArrayEquals(b, a);
        assertEquals(Tool.run("qemu-img", "map", "--output=json", theirs.toString()).ok().stdout(),
                Tool.run("qemu-img", "map", "--output=json", mine.toString()).ok().stdout().replace(
                        mine.toString(), theirs.toString()), "the data area is a hole in both");
        assertTrue(Tool.run("qemu-img", "check", mine.toString()).ok().stdout().contains("No errors"));
    }

    /** Header and block map: everything up to the data area (a static image's blocks are one hole). */
    private static byte[] metadata(Path p) throws java.io.IOException {
        try (java.io.InputStream in = Files.newInputStream(p)) {
            byte[] head = in.readNBytes(512);
            int data = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt(VdiHeader.OFF_DATA);
            byte[] all = Arrays.copyOf(head, data);
            in.readNBytes(all, 512, data - 512);
            return all;
        }
    }

    /** The image and last-snapshot UUIDs are random: zeroed, once checked to be version-4 UUIDs in IPRT's layout. */
    private static byte[] withoutUuids(byte[] file) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        for (int at : new int[] {VdiHeader.OFF_UUID_IMAGE, VdiHeader.OFF_UUID_LAST_SNAP}) {
            assertEquals(4, (b.getShort(at + 6) >> 12) & 0xf, "UUID version, little-endian in its field");
            assertEquals(2, (file[at + 8] & 0xff) >> 6, "UUID variant, in its big-endian tail");
            Arrays.fill(file, at, at + 16, (byte) 0);
        }
        return file;
    }

    @Test
    void createRefusesWhatQemuImgRefuses() {
        VdiFormat f = new VdiFormat();
        Path p = dir.resolve("x.vdi");
        assertEquals("Unsupported preallocation mode: metadata", assertThrows(IllegalArgumentException.class,
                () -> f.create(p, 1 << 20, CreateOptions.of(Map.of("preallocation", "metadata")))).getMessage());
        assertEquals("Unsupported VDI image size (size is 0x2580000000000, max supported is 0x1fffff8000000)",
                assertThrows(IllegalArgumentException.class, () -> f.create(p, 600L << 40, CreateOptions.none()))
                        .getMessage());
        assertEquals("Invalid parameter 'cluster_size'", assertThrows(IllegalArgumentException.class,
                () -> f.create(p, 1 << 20, CreateOptions.of(Map.of("cluster_size", "64k")))).getMessage());
        assertEquals("fmt=vdi size=3145728 static=yes preallocation=off", f.describeCreate(3 << 20,
                CreateOptions.of(Map.of("static", "yes", "preallocation", "off"))));
    }

    @ParameterizedTest
    @CsvSource({"off", "on"})
    void plattersWritesReadBackInQemuImg(String fixed) throws Exception {
        int size = (7 << 20) + 512;
        Path image = dir.resolve("w.vdi");
        new VdiFormat().create(image, size, CreateOptions.of(Map.of("static", fixed)));
        byte[] model = new byte[size];
        Random r = new Random(7);
        try (Image img = Images.open(image, OpenOptions.readWriteDefaults().withFormat("vdi"))) {
            for (int i = 0; i < 40; i++) {
                int at = r.nextInt(size);
                int len = Math.min(size - at, 1 + r.nextInt(3 << 19));
                if (i % 7 == 6) {
                    img.writeZeroes(at, len);
                    Arrays.fill(model, at, at + len, (byte) 0);
                    continue;
                }
                byte[] data = new byte[len];
                r.nextBytes(data);
                img.write(at, ByteBuffer.wrap(data));
                System.arraycopy(data, 0, model, at, len);
                if (i % 10 == 0) {
                    img.flush();
                }
            }
            assertEquals(0, img.check(ImageCheck.Repair.NONE).corruptions());
        }
        Path raw = dir.resolve("model.raw");
        Files.write(raw, model);
        assertEquals("Images are identical.\n", Tool.run("qemu-img", "compare", "-f", "raw", "-F", "vdi",
                raw.toString(), image.toString()).ok().stdout());
        assertTrue(Tool.run("qemu-img", "check", image.toString()).ok().stdout().contains("No errors"));
        try (Image img = Images.open(image, OpenOptions.readOnlyDefaults().withFormat("vdi"))) {
            assertArrayEquals(model, img.readBytes(0, size));
        }
    }

    /** Blocks qemu-io allocated are written in place, and new ones go after them, as qemu would place them. */
    @Test
    void writesIntoAQemuImage() throws Exception {
        Path image = dir.resolve("q.vdi");
        Tool.run("qemu-img", "create", "-q", "-f", "vdi", image.toString(), "4M").ok();
        Tool.run("qemu-io", "-f", "vdi", "-c", "write -P 1 2M 4k", image.toString()).ok();
        try (Image img = Images.open(image, OpenOptions.readWriteDefaults().withFormat("vdi"))) {
            img.write(2 << 20, ByteBuffer.wrap(new byte[] {9}));
            img.write(0, ByteBuffer.wrap(new byte[] {8}));
        }
        assertEquals(1024 + (2 << 20), Files.size(image));
        Tool.Result io = Tool.run("qemu-io", "-f", "vdi", "-c", "read -P 9 2M 1", "-c", "read -P 1 2097153 4095",
                "-c", "read -P 8 0 1", "-c", "read -P 0 1 1M", image.toString()).ok();
        assertTrue(!io.stdout().contains("fail"), io.stdout());
        assertTrue(Tool.run("qemu-img", "check", image.toString()).ok().stdout().contains("No errors"));
    }
}
