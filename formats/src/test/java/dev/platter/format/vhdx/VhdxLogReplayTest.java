package dev.platter.format.vhdx;

import dev.platter.core.image.Image;
import dev.platter.core.image.ImageCheck;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.testdata.Fixtures;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A dirty log made by qemu's own writer, interrupted (testdata/scripts/make-vhdx-dirty-log.sh: qemu-io killed just
 * before it writes the BAT sector its flushed log entry holds). A read-only open replays it in memory and leaves the
 * file's bytes alone (qemu refuses such an open); a read-write open and {@code check -r all} replay it on disk, as
 * qemu does, and qemu-img then reads the disk as it reads its own replay.
 */
class VhdxLogReplayTest {
    /** sha256 of what qemu-img reads after {@code qemu-img check -r all} on a copy (the script's .replayed.raw). */
    static final String REPLAYED_SHA256 = "008848e8ba605756a7f549bde4c4e3a22c717169fde8a64880ff64d01d3a3bc0";
    static final long LOGGED_WRITE = (7L << 20) - 4096;

    @TempDir
    Path dir;

    Path dirty() {
        return Fixtures.expand("vhdx-dirty-log.vhdx", dir);
    }

    static byte[] content(Path p, OpenOptions o) throws Exception {
        try (Image img = Images.open(p, o.withFormat("vhdx"))) {
            byte[] all = new byte[(int) img.size()];
            img.read(0, ByteBuffer.wrap(all));
            return all;
        }
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void aReadOnlyOpenReplaysInMemoryAndLeavesTheFileAlone() throws Exception {
        Path p = dirty();
        String before = sha256(Files.readAllBytes(p));
        long modified = Files.getLastModifiedTime(p).toMillis();
        byte[] all = content(p, OpenOptions.readOnlyDefaults());
        assertEquals(0x5b, all[(int) LOGGED_WRITE], "the write only the log holds");
        assertEquals((byte) 0xa5, all[3 << 20]);
        assertEquals(REPLAYED_SHA256, sha256(all));
        try (Image img = Images.open(p, OpenOptions.readOnlyDefaults())) {
            assertEquals("vhdx", img.formatName());
            assertTrue(img.mapping(LOGGED_WRITE, 4096).status() == dev.platter.core.Extent.Status.DATA);
            ImageCheck c = img.check(ImageCheck.Repair.NONE);
            assertEquals(1, c.corruptions(), c.messages().toString());
        }
        assertEquals(before, sha256(Files.readAllBytes(p)), "the file's bytes changed");
        assertEquals(modified, Files.getLastModifiedTime(p).toMillis());
    }

    @Test
    void withoutReplayTheLoggedWriteIsNotThere() throws Exception {
        // The log GUID cleared in both headers (checksums resealed): the same file read as if the log were empty.
        Path p = dirty();
        byte[] file = Files.readAllBytes(p);
        for (int h : new int[] {64 << 10, 128 << 10}) {
            java.util.Arrays.fill(file, h + 48, h + 64, (byte) 0);
            VhdxChecksum.seal(file, h, VhdxHeader.SIZE);
        }
        Path clean = dir.resolve("clean.vhdx");
        Files.write(clean, file);
        assertEquals(0, content(clean, OpenOptions.readOnlyDefaults())[(int) LOGGED_WRITE]);
    }

    @Test
    @RequiresTool("qemu-img")
    void aReadWriteOpenReplaysOnDiskAndQemuImgReadsItAsItsOwnReplay() throws Exception {
        Path p = dirty();
        Path theirs = dir.resolve("theirs.vhdx");
        Files.copy(p, theirs, StandardCopyOption.REPLACE_EXISTING);
        Tool.run("qemu-img", "check", "-r", "all", theirs.toString()).ok();
        try (Image img = Images.open(p, OpenOptions.readWriteDefaults().withFormat("vhdx"))) {
            assertEquals(0x5b, img.readBytes(LOGGED_WRITE, 1)[0]);
        }
        assertTrue(Tool.run("qemu-img", "info", p.toString()).ok().stdout().contains("file format: vhdx"),
                "qemu-img opens it read-only: the log is empty");
        assertEquals("Images are identical.", Tool.run("qemu-img", "compare", p.toString(), theirs.toString())
                .ok().stdout().strip());
        assertTrue(Tool.run("qemu-img", "check", p.toString()).ok().stdout().contains("No errors"));
        assertEquals(REPLAYED_SHA256, sha256(content(p, OpenOptions.readOnlyDefaults())));
    }

    @Test
    @RequiresTool("qemu-img")
    void checkRepairAllReplaysOnDiskAsQemuDoes() throws Exception {
        Path p = dirty();
        try (Image img = Images.openForCheck(p, p.toString(), OpenOptions.readWriteDefaults().withFormat("vhdx"))) {
            ImageCheck c = img.check(ImageCheck.Repair.ALL);
            assertEquals(1, c.corruptionsFixed());
            assertEquals(0, c.corruptions());
        }
        assertTrue(Tool.run("qemu-img", "check", p.toString()).ok().stdout().contains("No errors"));
        byte[] qemu = Files.readAllBytes(convertWithQemu(p));
        assertEquals(REPLAYED_SHA256, sha256(qemu));
        assertArrayEquals(qemu, content(p, OpenOptions.readOnlyDefaults()));
    }

    private Path convertWithQemu(Path p) {
        Path raw = dir.resolve("q.raw");
        Tool.run("qemu-img", "convert", "-f", "vhdx", "-O", "raw", p.toString(), raw.toString()).ok();
        return raw;
    }
}
