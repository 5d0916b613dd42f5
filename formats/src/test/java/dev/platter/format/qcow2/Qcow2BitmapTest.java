package dev.platter.format.qcow2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A qcow2 with two persistent bitmaps made by qemu-img bitmap (bm0 enabled, bm1 disabled): Platter lists them and
 * reads them as changed ranges exactly as qemu exports them; after Platter writes, qemu-img check is clean and
 * qemu's view of each bitmap is correct (bm0 records the writes, bm1 does not change), and while Platter is
 * writing, the enabled bitmap is marked in use on disk.
 */
@RequiresTool({"qemu-img", "qemu-io", "qemu-nbd"})
class Qcow2BitmapTest {
    private static final long K64 = 65536;

    @TempDir
    Path dir;
    Path img;

    @BeforeEach
    void makeImage() {
        img = dir.resolve("bitmaps.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", img.toString(), "16M").ok();
        Qemu.img("bitmap", "--add", img.toString(), "bm0").ok();
        Qemu.img("bitmap", "--add", img.toString(), "bm1").ok();
        Qemu.io(img, "qcow2", "write -P 1 1M 64k");
        Qemu.img("bitmap", "--disable", img.toString(), "bm1").ok();
        Qemu.io(img, "qcow2", "write -P 2 4M 4k");
    }

    @Test
    void listedAndReadLikeQemuExportsThem() throws Exception {
        try (Qcow2Image q = (Qcow2Image) Images.open(img, OpenOptions.readOnlyDefaults().withFormat("qcow2"))) {
            assertEquals(List.of(new Qcow2Bitmap("bm0", K64, false, true), new Qcow2Bitmap("bm1", K64, false, false)),
                    q.bitmaps());
            assertEquals(List.of(new ByteRange(1 << 20, K64), new ByteRange(4 << 20, K64)), q.changedRanges("bm0"));
            assertEquals(List.of(new ByteRange(1 << 20, K64)), q.changedRanges("bm1"));
            assertEquals(qemuView("bm0"), q.changedRanges("bm0"));
            assertEquals(qemuView("bm1"), q.changedRanges("bm1"));
            assertThrows(java.io.IOException.class, () -> q.changedRanges("nope"));
        }
    }

    @Test
    void platterWritesKeepTheEnabledBitmapTrue() throws Exception {
        try (Qcow2Image q = (Qcow2Image) Images.open(img, OpenOptions.readWriteDefaults().withFormat("qcow2"))) {
            q.write(8 << 20, ByteBuffer.wrap(new byte[3000]));
            // Until Platter closes the image, qemu must not trust the enabled bitmap.
            assertEquals(List.of("in-use", "auto"), qemuFlags("bm0"));
            assertEquals(List.of(), qemuFlags("bm1"));
            q.writeZeroes(10 << 20, K64);
            q.discard(12 << 20, 2 * K64);
            q.write((15 << 20) + 100, ByteBuffer.wrap(new byte[K64 == 0 ? 1 : (int) K64]));
            assertEquals(List.of(new ByteRange(1 << 20, K64), new ByteRange(4 << 20, K64), new ByteRange(8 << 20, K64),
                    new ByteRange(10 << 20, K64), new ByteRange(12 << 20, 2 * K64),
                    new ByteRange(15 << 20, 2 * K64)), q.changedRanges("bm0"));
        }
        Qemu.assertClean(img);
        assertEquals(List.of("auto"), qemuFlags("bm0"));
        assertEquals(List.of(), qemuFlags("bm1"));
        assertEquals(List.of(new ByteRange(1 << 20, K64), new ByteRange(4 << 20, K64), new ByteRange(8 << 20, K64),
                new ByteRange(10 << 20, K64), new ByteRange(12 << 20, 2 * K64), new ByteRange(15 << 20, 2 * K64)),
                qemuView("bm0"));
        assertEquals(List.of(new ByteRange(1 << 20, K64)), qemuView("bm1"));
        // And qemu keeps them going afterwards.
        Qemu.io(img, "qcow2", "write 2M 4k");
        assertEquals(6 + 1, qemuView("bm0").size());
    }

    @Test
    void aCrashLeavesTheBitmapMarkedInUse() throws Exception {
        Path copy = dir.resolve("crash.qcow2");
        try (Qcow2Image q = (Qcow2Image) Images.open(img, OpenOptions.readWriteDefaults().withFormat("qcow2"))) {
            q.write(8 << 20, ByteBuffer.wrap(new byte[512]));
            q.flush();
            Files.copy(img, copy); // the file as a crash right now would leave it
        }
        Tool.Result info = Qemu.img("info", "--output=json", "-U", copy.toString()).ok();
        JsonNode bitmaps = new ObjectMapper().readTree(info.stdout()).at("/format-specific/data/bitmaps");
        assertEquals("bm0", bitmaps.get(0).get("name").asText());
        assertTrue(bitmaps.get(0).get("flags").toString().contains("in-use"), bitmaps.toString());
        try (Qcow2Image q = (Qcow2Image) Images.open(copy, OpenOptions.readOnlyDefaults().withFormat("qcow2"))) {
            assertTrue(q.bitmaps().get(0).inUse());
            assertThrows(java.io.IOException.class, () -> q.changedRanges("bm0"));
        }
    }

    @Test
    void resizeCarriesTheBitmapsAlongAsQemuDoes() throws Exception {
        Path theirs = dir.resolve("theirs.qcow2");
        Files.copy(img, theirs);
        Qemu.img("resize", theirs.toString(), "24M").ok();
        try (Qcow2Image q = (Qcow2Image) Images.open(img, OpenOptions.readWriteDefaults().withFormat("qcow2"))) {
            q.resize(24 << 20, false);
            q.write(20 << 20, ByteBuffer.wrap(new byte[512]));
        }
        Qemu.io(theirs, "qcow2", "write 20M 512");
        Qemu.assertClean(img);
        assertEquals(qemuFlags("bm0"), List.of("auto"));
        Path saved = img;
        List<ByteRange> ours0 = qemuView("bm0");
        List<ByteRange> ours1 = qemuView("bm1");
        img = theirs;
        assertEquals(qemuView("bm0"), ours0);
        assertEquals(qemuView("bm1"), ours1);
        img = saved;
    }

    private List<String> qemuFlags(String bitmap) throws Exception {
        String json = Qemu.img("info", "--output=json", "-U", img.toString()).ok().stdout();
        for (JsonNode b : new ObjectMapper().readTree(json).at("/format-specific/data/bitmaps")) {
            if (b.get("name").asText().equals(bitmap)) {
                List<String> flags = new ArrayList<>();
                b.get("flags").forEach(f -> flags.add(f.asText()));
                return flags;
            }
        }
        throw new AssertionError("no bitmap " + bitmap + " in " + json);
    }

    /** The dirty ranges of a bitmap as qemu exports it over NBD (qemu-nbd -B, then map with x-dirty-bitmap). */
    private List<ByteRange> qemuView(String bitmap) throws Exception {
        Path socket = dir.resolve("nbd-" + bitmap + ".sock");
        Files.deleteIfExists(socket);
        Process nbd = new ProcessBuilder("qemu-nbd", "-r", "-k", socket.toString(), "-B", bitmap, "-f", "qcow2",
                img.toString()).redirectErrorStream(true).start();
        try {
            for (int i = 0; i < 200 && !Files.exists(socket); i++) {
                Thread.sleep(20);
            }
            String json = Qemu.img("map", "--output=json", "--image-opts", "driver=nbd,server.type=unix,server.path="
                    + socket + ",x-dirty-bitmap=qemu:dirty-bitmap:" + bitmap).ok().stdout();
            List<ByteRange> dirty = new ArrayList<>();
            for (JsonNode n : new ObjectMapper().readTree(json)) {
                if (!n.get("data").asBoolean()) {
                    dirty.add(new ByteRange(n.get("start").asLong(), n.get("length").asLong()));
                }
            }
            return dirty;
        } finally {
            if (!nbd.waitFor(10, TimeUnit.SECONDS)) {
                nbd.destroyForcibly();
            }
        }
    }
}
