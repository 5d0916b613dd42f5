package dev.platter.core.storage;

import dev.platter.core.BlockDevice;
import dev.platter.core.Extent;
import dev.platter.core.ReadOnlyDeviceException;
import dev.platter.core.StorageDevice;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileStorageTest {
    private static final long TIB = 1L << 40;
    private static final long MIB = 1L << 20;

    @TempDir
    Path dir;

    private static ByteBuffer ones(int len) {
        byte[] b = new byte[len];
        java.util.Arrays.fill(b, (byte) 0x5a);
        return ByteBuffer.wrap(b);
    }

    @Test
    void aTebibyteSparseFileMapsToExactlyItsDataRuns() throws IOException {
        Path file = dir.resolve("big.raw");
        try (FileStorage s = FileStorage.create(file, false)) {
            s.setSize(TIB);
            s.write(0, ones((int) MIB));
            s.write(TIB / 2, ones((int) (2 * MIB)));
            s.write(TIB - MIB, ones((int) MIB));
        }
        try (FileStorage s = FileStorage.open(file, true)) {
            Assumptions.assumeTrue(s.allocatedBytes() >= 0, "needs Linux SEEK_DATA/SEEK_HOLE through JNA");
            BlockDevice dev = new StorageDevice(s, s.size());
            long start = System.nanoTime();
            List<Extent> runs = new ArrayList<>();
            for (long pos = 0; pos < dev.size(); ) {
                Extent e = dev.mapping(pos, Long.MAX_VALUE);
                runs.add(e);
                pos = e.end();
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(List.of(
                    Extent.data(0, MIB, 0, s),
                    Extent.zero(MIB, TIB / 2 - MIB, MIB, s),
                    Extent.data(TIB / 2, 2 * MIB, TIB / 2, s),
                    Extent.zero(TIB / 2 + 2 * MIB, TIB / 2 - 3 * MIB, TIB / 2 + 2 * MIB, s),
                    Extent.data(TIB - MIB, MIB, TIB - MIB, s)), runs);
            // Not a benchmark: a guard that nothing walks the holes byte by byte.
            assertTrue(millis < 5_000, "mapping took " + millis + " ms");
            assertEquals(4 * MIB, s.allocatedBytes());
        }
    }

    @Test
    void readsPastTheEndAreShortOrFail() throws IOException {
        Path file = dir.resolve("f");
        Files.write(file, new byte[100]);
        try (FileStorage s = FileStorage.open(file, true)) {
            assertEquals(50, s.readAt(50, ByteBuffer.allocate(80)));
            assertEquals(0, s.readAt(200, ByteBuffer.allocate(8)));
            assertThrows(EOFException.class, () -> s.readFully(90, ByteBuffer.allocate(20)));
        }
    }

    @Test
    void readOnlyRefusesWritesAndLeavesTheFileAlone() throws Exception {
        Path file = dir.resolve("ro");
        Files.write(file, new byte[] {1, 2, 3});
        var before = Files.getLastModifiedTime(file);
        Thread.sleep(20);
        try (FileStorage s = FileStorage.open(file, true)) {
            assertThrows(ReadOnlyDeviceException.class, () -> s.write(0, ByteBuffer.allocate(1)));
            assertThrows(ReadOnlyDeviceException.class, () -> s.setSize(0));
            assertThrows(ReadOnlyDeviceException.class, () -> s.punchHole(0, 1));
            s.run(0);
            s.allocatedBytes();
        }
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(file));
        assertEquals(before, Files.getLastModifiedTime(file));
    }

    @Test
    void openRefusesMissingFilesAndDirectories() {
        assertThrows(NoSuchFileException.class, () -> FileStorage.open(dir.resolve("nope"), true));
        IOException e = assertThrows(IOException.class, () -> FileStorage.open(dir, true));
        assertTrue(e.getMessage().contains("directory"), e.getMessage());
    }

    @Test
    void punchHoleZeroesAndFrees() throws IOException {
        Path file = dir.resolve("p");
        try (FileStorage s = FileStorage.create(file, false)) {
            s.write(0, ones((int) (4 * MIB)));
            s.flush();
            s.punchHole(MIB, 2 * MIB);
            ByteBuffer b = ByteBuffer.allocate((int) (2 * MIB));
            s.readFully(MIB, b);
            for (int i = 0; i < b.capacity(); i++) {
                if (b.get(i) != 0) {
                    throw new AssertionError("byte " + i + " not zero");
                }
            }
            assertEquals(4 * MIB, s.size());
            if (s.allocatedBytes() >= 0) {
                assertEquals(2 * MIB, s.allocatedBytes());
                assertEquals(new HostRun(false, 2 * MIB), s.run(MIB));
            }
        }
    }

    @Test
    void concurrentPositionalReadsSeeTheirOwnBytes() throws Exception {
        Path file = dir.resolve("pattern");
        int size = 8 << 20;
        byte[] content = new byte[size];
        for (int i = 0; i < size; i += 4) {
            int v = i / 4;
            content[i] = (byte) (v >>> 24);
            content[i + 1] = (byte) (v >>> 16);
            content[i + 2] = (byte) (v >>> 8);
            content[i + 3] = (byte) v;
        }
        Files.write(file, content);
        try (FileStorage s = FileStorage.open(file, true)) {
            BlockDevice dev = new StorageDevice(s, s.size());
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int seed = t;
                results.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    int checked = 0;
                    for (int i = 0; i < 2000; i++) {
                        int pos = r.nextInt(size / 4 - 1024) * 4;
                        int len = (1 + r.nextInt(1024)) * 4;
                        ByteBuffer b = ByteBuffer.allocate(len);
                        dev.read(pos, b);
                        b.flip();
                        for (int k = 0; k < len; k += 4) {
                            if (b.getInt(k) != (pos + k) / 4) {
                                throw new AssertionError("thread " + seed + " read wrong bytes at " + (pos + k));
                            }
                        }
                        checked++;
                    }
                    return checked;
                }));
            }
            for (Future<Integer> f : results) {
                assertEquals(2000, f.get());
            }
            pool.shutdown();
        }
    }

    /**
     * With the page cache bypassed for aligned writes, aligned and unaligned writes that share and overwrite each
     * other's blocks still read back as one coherent file, and the file grows as it would through the cache.
     */
    @Test
    void alignedWritesBypassingThePageCacheStayCoherentWithCachedOnes() throws IOException {
        Path f = dir.resolve("direct.img");
        byte[] expected = new byte[(int) (3 * MIB)];
        Random rnd = new Random(7);
        try (FileStorage s = FileStorage.create(f, false)) {
            boolean direct = s.bypassPageCacheForAlignedWrites(0);
            Assumptions.assumeTrue(direct, "the filesystem of " + dir + " refuses O_DIRECT");
            // Aligned (direct), then unaligned pieces over it and next to it, then aligned over those.
            int[][] writes = {{0, 1 << 20}, {4096 + 17, 333}, {(1 << 20) - 100, 9000}, {8192, 65536},
                {2 << 20, 4096}, {(2 << 20) + 4096, 1000}, {(2 << 20) + 512, 512}, {0, 4096}};
            for (int[] w : writes) {
                byte[] data = new byte[w[1]];
                rnd.nextBytes(data);
                System.arraycopy(data, 0, expected, w[0], w[1]);
                ByteBuffer buf = ByteBuffer.allocateDirect(w[1] + 8192).alignedSlice(4096).slice(0, w[1]);
                buf.put(data).flip();
                s.write(w[0], buf);
                assertEquals(0, buf.remaining());
            }
            int end = (2 << 20) + 4096 + 1000;
            assertEquals(end, s.size());
            ByteBuffer back = ByteBuffer.allocate(end);
            s.readFully(0, back);
            assertArrayEquals(java.util.Arrays.copyOf(expected, end), back.array());
        }
        assertArrayEquals(java.util.Arrays.copyOf(expected, (2 << 20) + 4096 + 1000), Files.readAllBytes(f));
    }

    @Test
    void readOnlyStorageNeverBypassesThePageCache() throws IOException {
        Path f = dir.resolve("ro.img");
        Files.write(f, new byte[4096]);
        try (FileStorage s = FileStorage.open(f, true)) {
            assertTrue(!s.bypassPageCacheForAlignedWrites(0));
        }
    }
}
