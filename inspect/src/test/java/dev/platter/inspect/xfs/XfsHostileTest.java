package dev.platter.inspect.xfs;

import dev.platter.core.BlockDevice;
import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.GuestFileSystem;
import dev.platter.inspect.testing.OverlayDevice;
import dev.platter.testdata.Fixtures;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Damaged images ({@code -Dplatter.xfs.hostileSeeds=N} damaged copies per fixture, default 60): seeded byte flips
 * inside the metadata a full walk reads, xfs_db blocktrash, and targeted damage. Each damaged image is walked
 * completely: every failure must be an IOException (a clear report) or a warning, never a RuntimeException, an
 * Error, a hang or an unbounded allocation. A copy refused at open proves nothing about the walk, so the tests
 * also count the copies walked and want at least half of them.
 */
class XfsHostileTest {
    private static final int SEEDS = Integer.getInteger("platter.xfs.hostileSeeds", 60);
    private static final Duration LIMIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"xfs-kernel-v5", "xfs-kernel-v4", "xfs-kernel-1k"})
    void seededByteFlipsInMetadata(String fixture) throws IOException {
        Path img = expanded(fixture);
        try (Image image = Images.open(img, OpenOptions.readOnlyDefaults().withFormat("raw"))) {
            List<long[]> metadata = metadataRanges(image);
            long total = 0;
            for (long[] r : metadata) {
                total += r[1];
            }
            int refused = 0;
            for (int seed = 0; seed < SEEDS; seed++) {
                Random rnd = new Random(seed * 7919L + fixture.hashCode());
                OverlayDevice damaged = new OverlayDevice(image);
                int flips = 1 + rnd.nextInt(16);
                for (int i = 0; i < flips; i++) {
                    long at = (long) (rnd.nextDouble() * total);
                    for (long[] r : metadata) {
                        if (at < r[1]) {
                            damaged.patch(r[0] + at, (byte) rnd.nextInt(256));
                            break;
                        }
                        at -= r[1];
                    }
                }
                // Most rounds without checksums (so the structural checks are what stops the damage).
                FsOptions options = seed % 4 == 0 ? FsOptions.defaults() : new FsOptions(false, false);
                if (!walkSurvives(damaged, options, fixture + " seed " + seed)) {
                    refused++;
                }
            }
            System.out.println(fixture + ": " + SEEDS + " damaged copies, " + refused + " refused at open, the rest"
                    + " walked completely");
            // Every copy was walked when this bound was set: a reader that refused all damage at open must fail.
            assertTrue(SEEDS - refused >= SEEDS / 2, fixture + ": only " + (SEEDS - refused) + " of " + SEEDS
                    + " damaged copies were walked");
        }
    }

    /** Opens and walks; false when the open itself was refused with an IOException (fine). */
    private static boolean walkSurvives(BlockDevice device, FsOptions options, String what) {
        return assertTimeoutPreemptively(LIMIT, () -> {
            GuestFileSystem fs;
            try {
                fs = XfsFileSystem.open(device, options);
            } catch (IOException e) {
                return false;
            }
            try (fs) {
                FsWalker w = new FsWalker(64 * 1024, false);
                w.walk(fs);
                fs.warnings();
            }
            return true;
        }, what);
    }

    /** The byte ranges a complete walk of the good image reads, file contents excepted. */
    private static List<long[]> metadataRanges(BlockDevice image) throws IOException {
        OverlayDevice recorder = new OverlayDevice(image);
        recorder.record();
        try (GuestFileSystem fs = XfsFileSystem.open(recorder, FsOptions.defaults())) {
            new FsWalker(0, false).walk(fs);
        }
        List<long[]> ranges = new ArrayList<>();
        for (long[] r : recorder.recorded()) {
            if (r[1] <= 65536) {
                ranges.add(r);
            }
        }
        return ranges;
    }

    private static Path expanded(String fixture) {
        Path p = dir.resolve(fixture + ".img");
        if (!Files.exists(p)) {
            Fixtures.expand(fixture + ".img", dir);
        }
        return p;
    }

    @Test
    @RequiresTool({"xfs_db"})
    void xfsDbBlocktrash() throws IOException {
        Path good = expanded("xfs-kernel-v5");
        int walked = 0;
        for (int seed = 1; seed <= 12; seed++) {
            Path img = dir.resolve("trash.img");
            Files.copy(good, img, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Tool.run("xfs_db", "-x", "-c", "blockget", "-c", "blocktrash -s " + seed + " -n 24 -3", img.toString());
            try (Image image = Images.open(img, OpenOptions.readOnlyDefaults().withFormat("raw"))) {
                walked += walkSurvives(image, new FsOptions(false, false), "blocktrash seed " + seed) ? 1 : 0;
                walked += walkSurvives(image, FsOptions.defaults(), "blocktrash seed " + seed) ? 1 : 0;
            }
            Files.delete(img);
        }
        System.out.println("blocktrash: " + walked + " of 24 walked");
        assertTrue(walked >= 12, "only " + walked + " of 24 trashed images were walked (all 24 when this was set)");
    }

    @Test
    void unknownIncompatibleFeatureIsRefusedByName() throws IOException {
        Path img = expanded("xfs-kernel-v5");
        try (Image image = Images.open(img, OpenOptions.readOnlyDefaults().withFormat("raw"))) {
            OverlayDevice d = withSuperblock(image, sb -> sb.putInt(0xD8, sb.getInt(0xD8) | 0x4000));
            UnsupportedFeatureException e = assertThrows(UnsupportedFeatureException.class,
                    () -> XfsFileSystem.open(d, FsOptions.defaults()));
            assertEquals("xfs incompat 0x4000", e.feature());
            assertTrue(e.getMessage().contains("0x4000"), e.getMessage());
        }
    }

    @Test
    void damagedSuperblockCrcIsReportedOrReadOn() throws IOException {
        Path img = expanded("xfs-kernel-v5");
        try (Image image = Images.open(img, OpenOptions.readOnlyDefaults().withFormat("raw"))) {
            OverlayDevice d = new OverlayDevice(image);
            d.patch(0x6C, (byte) 'Z'); // the label, without fixing the CRC
            CorruptImageException e = assertThrows(CorruptImageException.class,
                    () -> XfsFileSystem.open(d, FsOptions.defaults()));
            assertTrue(e.getMessage().contains("xfs superblock") && e.getMessage().contains("CRC"), e.getMessage());
            try (GuestFileSystem fs = XfsFileSystem.open(d, new FsOptions(true, true))) {
                assertTrue(fs.warnings().stream().anyMatch(w -> w.contains("CRC mismatch")), fs.warnings().toString());
                assertTrue(fs.label().startsWith("Z"));
            }
        }
    }

    @Test
    void absurdGeometryIsRefused() throws IOException {
        Path img = expanded("xfs-kernel-v5");
        try (Image image = Images.open(img, OpenOptions.readOnlyDefaults().withFormat("raw"))) {
            for (int[] field : new int[][] {{0x58, 0x7FFFFFFF}, {0x54, 3}, {0x04, 3000}, {0x68, 4096}}) {
                OverlayDevice d = withSuperblock(image, sb -> sb.putInt(field[0], field[1]));
                if (field[0] == 0x68) {
                    d = withSuperblock(image, sb -> sb.putShort(0x68, (short) field[1]));
                }
                OverlayDevice dev = d;
                assertThrows(CorruptImageException.class, () -> XfsFileSystem.open(dev, FsOptions.defaults()));
            }
        }
    }

    /** A copy of the device whose superblock is edited and re-checksummed (so only the edit is "wrong"). */
    private static OverlayDevice withSuperblock(BlockDevice image, java.util.function.Consumer<ByteBuffer> edit)
            throws IOException {
        byte[] sb = image.readBytes(0, 512);
        ByteBuffer b = ByteBuffer.wrap(sb);
        edit.accept(b);
        long crc = MetadataChecksums.compute(sb, 0, 512, Superblock.CRC_OFFSET);
        ByteBuffer.wrap(sb).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(Superblock.CRC_OFFSET, (int) crc);
        OverlayDevice d = new OverlayDevice(image);
        for (int i = 0; i < 512; i++) {
            d.patch(i, sb[i]);
        }
        return d;
    }
}
