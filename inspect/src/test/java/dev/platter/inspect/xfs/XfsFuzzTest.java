package dev.platter.inspect.xfs;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.GuestFileSystem;
import dev.platter.inspect.testing.FsInvariants;
import dev.platter.inspect.testing.FuzzPatches;
import dev.platter.inspect.testing.MemoryDisk;
import dev.platter.testdata.Fixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing of the XFS reader. The input damages the metadata of a kernel-made image (the committed
 * xfs-kernel-v5 and xfs-kernel-v4 fixtures: superblock, AG headers, inode chunks, bmap btrees, every directory
 * form, every attribute form, remote symlinks; see {@link FuzzPatches}): its first byte picks the image and the
 * checksum policy, the rest are patches. Every input is opened, walked and read with {@link FsInvariants}.
 */
class XfsFuzzTest {
    private static final String[] FIXTURES = {"xfs-kernel-v5", "xfs-kernel-v4"};
    private static final FsOptions[] MODES = {FsOptions.defaults(), new FsOptions(true, true),
        new FsOptions(false, false), new FsOptions(false, false)};
    private static final FuzzPatches[] BASES = new FuzzPatches[FIXTURES.length];

    private static synchronized FuzzPatches base(int which) {
        if (BASES[which] == null) {
            try {
                MemoryDisk disk = load(FIXTURES[which]);
                BASES[which] = FuzzPatches.recordedBy(disk.device(), d -> {
                    try (GuestFileSystem fs = XfsFileSystem.open(d, FsOptions.defaults())) {
                        new FsInvariants(0).check(fs);
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return BASES[which];
    }

    /** The fixture in memory, only its non-zero 64 KiB chunks stored. */
    private static MemoryDisk load(String fixture) throws IOException {
        Path dir = Files.createTempDirectory("xfs-fuzz");
        Path img = Fixtures.expand(fixture + ".img", dir);
        try (InputStream in = Files.newInputStream(img)) {
            MemoryDisk disk = new MemoryDisk(Files.size(img));
            byte[] chunk = new byte[65536];
            for (long pos = 0; ; pos += chunk.length) {
                int n = in.readNBytes(chunk, 0, chunk.length);
                if (n <= 0) {
                    return disk;
                }
                for (int i = 0; i < n; i++) {
                    if (chunk[i] != 0) {
                        disk.put(pos, Arrays.copyOf(chunk, n));
                        break;
                    }
                }
            }
        } finally {
            Files.deleteIfExists(img);
            Files.deleteIfExists(dir);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void walkDamagedImage(byte[] data) {
        int choice = data.length == 0 ? 0 : data[0] & 0xFF;
        FuzzPatches base = base(choice % FIXTURES.length);
        try (GuestFileSystem fs = XfsFileSystem.open(base.apply(data, 1), MODES[(choice >> 1) % MODES.length])) {
            new FsInvariants(16 * 1024).check(fs);
        } catch (IOException refused) {
            // damage found at open (or close): the expected answer
        }
    }

    /** The good images open and walk cleanly, and give the fuzzer enough metadata to work on. */
    @Test
    void baseImagesAreGood() throws IOException {
        for (int i = 0; i < FIXTURES.length; i++) {
            assertTrue(base(i).units() > 40, FIXTURES[i] + ": " + base(i).units() + " metadata sectors");
            try (GuestFileSystem fs = XfsFileSystem.open(base(i).apply(new byte[0], 0), FsOptions.defaults())) {
                new FsInvariants(1 << 20).check(fs);
                assertEquals(java.util.List.of(), fs.warnings(), FIXTURES[i]);
            }
        }
    }
}
