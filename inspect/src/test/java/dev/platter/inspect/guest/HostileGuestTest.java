package dev.platter.inspect.guest;

import dev.platter.inspect.ops.CopyOut;
import dev.platter.testdata.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Damaged copies of the LVM fixture guest: flipped bytes in its partition table, PV label, metadata area and
 * filesystem headers, and a truncated disk. Every operation ends in a result or an IOException (a clear error),
 * never a RuntimeException, a hang or an out-of-memory; and enough damaged copies get past the open (counted,
 * with a lower bound) that the rest of the work is exercised too.
 */
class HostileGuestTest {
    @TempDir
    static Path dir;
    static Path a;
    static Path b;

    @BeforeAll
    static void expand() {
        a = Fixtures.expand("guest-lvm-a.raw", dir);
        b = Fixtures.expand("guest-lvm-b.raw", dir);
    }

    /** How far the work on a damaged copy got before a clear error (or the end). */
    enum Reached { REFUSED_AT_OPEN, OPENED, MOUNTED, COPIED }

    /**
     * Opens, lists, inspects, mounts, walks and copies; returns how far it got, or fails on a non-IO exception. A
     * clear error (an IOException) is an acceptable end for a damaged guest, but a test where every copy ends
     * at the open proves nothing about what comes after: the tests count how far their copies got.
     */
    private static Reached exercise(Path diskA, Path diskB, Path out) {
        Reached reached = Reached.REFUSED_AT_OPEN;
        try (Guest g = Guest.open(List.of(new DiskSpec(diskA, "raw"), new DiskSpec(diskB, "raw")),
                GuestOptions.defaults())) {
            reached = Reached.OPENED;
            for (DetectedFilesystem fs : g.filesystems()) {
                fs.size();
            }
            Mounts m;
            try {
                m = g.mountOperatingSystem();
            } catch (IOException e) {
                m = g.mounts();
                m.mount(g.filesystems().get(0).name(), "/");
            }
            reached = Reached.MOUNTED;
            new CopyOut(m, false).copy("/", out);
            reached = Reached.COPIED;
        } catch (IOException e) {
            // A clear error is an acceptable outcome for a damaged guest.
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            throw new AssertionError("damaged guest raised " + e, e);
        }
        return reached;
    }

    /** How many of the outcomes got at least as far as {@code level}. */
    private static long atLeast(java.util.Map<Reached, Integer> outcomes, Reached level) {
        return outcomes.entrySet().stream().filter(e -> e.getKey().compareTo(level) >= 0)
                .mapToLong(java.util.Map.Entry::getValue).sum();
    }

    @Test
    void flippedBytesInVolumeMetadata() throws IOException {
        Random random = new Random(20261122);
        // The GPT, the PV label and metadata area of partition 2 (at 17 MiB), the boot fs superblock (1 MiB + 1 KiB).
        long[][] regions = {{0, 34 * 512}, {(34816L * 512), 8192}, {1 << 20, 4096}};
        Path copy = dir.resolve("damaged.raw");
        Files.copy(a, copy, StandardCopyOption.REPLACE_EXISTING);
        java.util.Map<Reached, Integer> outcomes = new java.util.EnumMap<>(Reached.class);
        for (int round = 0; round < 100; round++) {
            int n = 1 + random.nextInt(8);
            long[] at = new long[n];
            int[] old = new int[n];
            try (RandomAccessFile f = new RandomAccessFile(copy.toFile(), "rw")) {
                for (int i = 0; i < n; i++) {
                    long[] r = regions[random.nextInt(regions.length)];
                    at[i] = r[0] + random.nextInt((int) r[1]);
                    f.seek(at[i]);
                    old[i] = f.read();
                    f.seek(at[i]);
                    f.write(old[i] ^ (1 << random.nextInt(8)));
                }
            }
            outcomes.merge(exercise(copy, b, Files.createTempDirectory(dir, "out")), 1, Integer::sum);
            try (RandomAccessFile f = new RandomAccessFile(copy.toFile(), "rw")) {
                for (int i = n - 1; i >= 0; i--) {
                    f.seek(at[i]);
                    f.write(old[i]);
                }
            }
        }
        System.out.println("flipped bytes: " + outcomes);
        // Most flips land where they are read on with a warning, or are caught later than the open (96 of the 100
        // copies were copied out in full when this bound was set): refusing every damaged copy must fail here.
        assertTrue(atLeast(outcomes, Reached.COPIED) >= 50, "too few damaged copies were read on: " + outcomes);
    }

    @Test
    void truncatedDisks() throws IOException {
        java.util.Map<Reached, Integer> outcomes = new java.util.EnumMap<>(Reached.class);
        for (long size : new long[] {0, 511, 4096, 1 << 20, 20 << 20, 40 << 20}) {
            Path copy = dir.resolve("short.raw");
            Files.copy(a, copy, StandardCopyOption.REPLACE_EXISTING);
            try (RandomAccessFile f = new RandomAccessFile(copy.toFile(), "rw")) {
                f.setLength(size);
            }
            outcomes.merge(exercise(copy, b, Files.createTempDirectory(dir, "out")), 1, Integer::sum);
        }
        System.out.println("truncated: " + outcomes);
        // No truncated copy got as far as a mount when this bound was set (each cut leaves the filesystems short of
        // their own size), but every one must still be opened and have what is left listed.
        assertEquals(6, atLeast(outcomes, Reached.OPENED), "a truncated disk was refused at open: " + outcomes);
    }

    @Test
    void missingSecondDiskLeavesTheOtherLvsReadable() throws IOException {
        try (Guest g = Guest.open(List.of(new DiskSpec(a, "raw")), GuestOptions.defaults())) {
            assertTrue(g.warnings().stream().anyMatch(w -> w.contains("was not found")), g.warnings().toString());
            List<String> names = g.filesystems().stream().map(DetectedFilesystem::name).toList();
            assertTrue(names.contains("/dev/vg-data/swap"), names.toString());
            assertTrue(!names.contains("/dev/vg-data/root"), "root spans the missing disk: " + names);
            assertTrue(g.warnings().stream().anyMatch(w -> w.contains("/dev/vg-data/root")), g.warnings().toString());
        }
    }

    @Test
    void sameDiskTwiceIsACloneWarningNotAConfusion() throws IOException {
        try (Guest g = Guest.open(List.of(new DiskSpec(a, "raw"), new DiskSpec(b, "raw"), new DiskSpec(b, "raw")),
                GuestOptions.defaults())) {
            assertTrue(g.warnings().stream().anyMatch(w -> w.contains("cloned")), g.warnings().toString());
            assertEquals(1, g.volumeGroups().size());
            Mounts m = g.mountOperatingSystem();
            assertTrue(m.stat("/srv/data/README").stat().size() > 0);
        } catch (IOException e) {
            fail(e);
        }
    }
}
