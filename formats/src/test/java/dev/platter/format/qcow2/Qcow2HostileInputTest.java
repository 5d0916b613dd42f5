package dev.platter.format.qcow2;

import dev.platter.core.CorruptImageException;
import dev.platter.core.Extent;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageCheck;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.ReferenceResolver;
import dev.platter.testdata.RequiresTool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Damaged and malicious images: truncated files, table offsets past the end or unaligned, tables sized to
 * exabytes, refcount blocks pointing at themselves or at the header, backing loops, header fields out of range,
 * garbage compressed data, snapshot and bitmap tables. Each must end in a CorruptImageException or
 * UnsupportedFeatureException (or be read the way qemu reads it), never an OutOfMemoryError, a hang or a raw
 * RuntimeException; a read-only open leaves the file's bytes and mtime as they were.
 */
@RequiresTool({"qemu-img", "qemu-io"})
class Qcow2HostileInputTest {
    @TempDir
    static Path dir;
    static byte[] pristine;
    static Layout layout;

    /** Where the base image keeps its structures (read from its header). */
    record Layout(long l1, long l2, long refcountTable, long refcountBlock, long snapshots, long data, long compressed,
                  long fileSize, long bitmapDirectory) {
    }

    /** A mutation of the base image and whether Platter must refuse it (CORRUPT) or may read it (READ). */
    record Case(String name, String expect, Consumer<RandomAccessFile> mutate) {
        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeAll
    static void baseImage() throws Exception {
        Path base = dir.resolve("base.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", base.toString(), "4M").ok();
        Qemu.io(base, "qcow2", "write -P 1 0 128k", "write -c -P 2 1M 64k", "write -z 2M 64k");
        Qemu.img("snapshot", "-c", "s1", base.toString()).ok();
        Qemu.img("bitmap", "--add", base.toString(), "bm0").ok();
        Qemu.io(base, "qcow2", "write -P 3 3M 64k");
        pristine = Files.readAllBytes(base);
        ByteBuffer h = ByteBuffer.wrap(pristine);
        long l1 = h.getLong(40);
        long l2 = h.getLong((int) l1) & L2Entry.OFFSET_MASK;
        long rt = h.getLong(48);
        long rb = h.getLong((int) rt);
        long data = h.getLong((int) l2) & L2Entry.OFFSET_MASK;
        long compressed = h.getLong((int) (l2 + 16 * 8)) & ((1L << 54) - 1);
        long dir = 0;
        for (int off = 112; h.getInt(off) != 0; off += 8 + ((h.getInt(off + 4) + 7) & ~7)) {
            if (h.getInt(off) == HeaderExtension.BITMAPS) {
                dir = h.getLong(off + 8 + 16);
            }
        }
        layout = new Layout(l1, l2, rt, rb, h.getLong(64), data, compressed, pristine.length, dir);
    }

    private static Consumer<RandomAccessFile> putLong(long at, long value) {
        return f -> io(() -> {
            f.seek(at);
            f.writeLong(value);
        });
    }

    private static Consumer<RandomAccessFile> putInt(long at, int value) {
        return f -> io(() -> {
            f.seek(at);
            f.writeInt(value);
        });
    }

    private static Consumer<RandomAccessFile> truncate(long size) {
        return f -> io(() -> f.setLength(size));
    }

    interface IoAction {
        void run() throws IOException;
    }

    private static void io(IoAction a) {
        try {
            a.run();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static List<Case> cases() {
        Layout l = layout;
        List<Case> c = new ArrayList<>();
        c.add(new Case("empty file", "CORRUPT", truncate(0)));
        c.add(new Case("magic only", "CORRUPT", truncate(4)));
        c.add(new Case("truncated in the v2 header", "CORRUPT", truncate(50)));
        c.add(new Case("truncated in the v3 header", "CORRUPT", truncate(90)));
        c.add(new Case("truncated in the extensions", "CORRUPT", truncate(300)));
        c.add(new Case("truncated before the refcount table", "CORRUPT", truncate(l.refcountTable)));
        c.add(new Case("truncated before the L1 table", "CORRUPT", truncate(l.l1 + 8)));
        c.add(new Case("truncated before the L2 table", "CORRUPT", truncate(l.l2)));
        c.add(new Case("truncated in the data (cuts the snapshot table)", "CORRUPT", truncate(l.data + 4096)));
        c.add(new Case("truncated in the last cluster (bitmap directory)", "CORRUPT", truncate(l.fileSize - 1000)));
        c.add(new Case("version 1", "CORRUPT", putInt(4, 1)));
        c.add(new Case("version 4", "CORRUPT", putInt(4, 4)));
        c.add(new Case("cluster_bits 8", "CORRUPT", putInt(20, 8)));
        c.add(new Case("cluster_bits 22", "CORRUPT", putInt(20, 22)));
        c.add(new Case("cluster_bits 2^31-1", "CORRUPT", putInt(20, Integer.MAX_VALUE)));
        c.add(new Case("refcount_order 7", "CORRUPT", putInt(96, 7)));
        c.add(new Case("header_length 8", "CORRUPT", putInt(100, 8)));
        c.add(new Case("header_length past the cluster", "CORRUPT", putInt(100, 1 << 20)));
        c.add(new Case("header_length -1", "CORRUPT", putInt(100, -1)));
        c.add(new Case("legacy AES", "CORRUPT", putInt(32, 1)));
        c.add(new Case("LUKS", "CORRUPT", putInt(32, 2)));
        c.add(new Case("crypt method 77", "CORRUPT", putInt(32, 77)));
        c.add(new Case("unknown incompatible bit", "CORRUPT", putLong(72, 1L << 40)));
        c.add(new Case("compression type 5", "CORRUPT", f -> io(() -> {
            f.seek(72);
            f.writeLong(8);
            f.seek(104);
            f.write(5);
        })));
        c.add(new Case("compression type without its bit", "CORRUPT", f -> io(() -> {
            f.seek(104);
            f.write(1);
        })));
        c.add(new Case("extended L2 with 64k clusters and a 512-byte cluster", "CORRUPT", f -> io(() -> {
            f.seek(72);
            f.writeLong(16);
            f.seek(20);
            f.writeInt(9);
        })));
        c.add(new Case("size 2^62, small L1", "CORRUPT", putLong(24, 1L << 62)));
        c.add(new Case("size negative", "CORRUPT", putLong(24, -512)));
        c.add(new Case("l1_size 2^31-1", "CORRUPT", putInt(36, Integer.MAX_VALUE)));
        c.add(new Case("l1_size 4M entries past the end", "CORRUPT", putInt(36, 4 << 20)));
        c.add(new Case("L1 offset unaligned", "CORRUPT", putLong(40, l.l1 + 8)));
        c.add(new Case("L1 offset past the end", "CORRUPT", putLong(40, 1L << 40)));
        c.add(new Case("L1 offset 2^63", "CORRUPT", putLong(40, Long.MIN_VALUE)));
        c.add(new Case("refcount table offset past the end", "CORRUPT", putLong(48, 1L << 40)));
        c.add(new Case("refcount table offset unaligned", "CORRUPT", putLong(48, l.refcountTable + 512)));
        c.add(new Case("refcount table clusters 2^31-1", "CORRUPT", putInt(56, Integer.MAX_VALUE)));
        c.add(new Case("refcount table clusters 0", "CORRUPT", putInt(56, 0)));
        c.add(new Case("snapshots 2^31-1", "CORRUPT", putInt(60, Integer.MAX_VALUE)));
        c.add(new Case("snapshots 65536 in a short table", "CORRUPT", putInt(60, 65536)));
        c.add(new Case("snapshot table past the end", "CORRUPT", putLong(64, 1L << 40)));
        c.add(new Case("snapshot table unaligned", "CORRUPT", putLong(64, l.snapshots + 8)));
        c.add(new Case("snapshot extra data 2^32-1", "CORRUPT", putInt(l.snapshots + 36, -1)));
        c.add(new Case("snapshot L1 size 2^31-1", "CORRUPT", putInt(l.snapshots + 8, Integer.MAX_VALUE)));
        c.add(new Case("backing offset past the cluster", "CORRUPT", putLong(8, 1 << 20)));
        c.add(new Case("backing name 2^31-1 long", "CORRUPT", f -> io(() -> {
            f.seek(8);
            f.writeLong(1024);
            f.writeInt(Integer.MAX_VALUE);
        })));
        c.add(new Case("extension 4 GiB long", "CORRUPT", putInt(116, -1)));
        c.add(new Case("L2 offset unaligned", "CORRUPT", putLong(l.l1, (l.l2 + 512) | L2Entry.COPIED)));
        c.add(new Case("L2 offset past the end", "CORRUPT", putLong(l.l1, (1L << 40) | L2Entry.COPIED)));
        c.add(new Case("L2 table is the header", "CORRUPT", putLong(l.l1, 0x200 | L2Entry.COPIED)));
        c.add(new Case("data cluster unaligned", "CORRUPT", putLong(l.l2, (l.data + 512) | L2Entry.COPIED)));
        c.add(new Case("data cluster past the end", "READ", putLong(l.l2, (1L << 40) | L2Entry.COPIED)));
        c.add(new Case("compressed cluster past the end", "CORRUPT",
                putLong(l.l2 + 16 * 8, L2Entry.COMPRESSED | (1L << 45))));
        c.add(new Case("compressed cluster garbage", "CORRUPT", putLong(l.l2 + 16 * 8, L2Entry.COMPRESSED | 0x200)));
        c.add(new Case("compressed data overwritten", "CORRUPT", f -> io(() -> {
            f.seek(l.compressed);
            f.write(new byte[64]);
            Arrays.fill(new byte[1], (byte) 0);
        })));
        c.add(new Case("refcount block points at itself (the table)", "READ",
                putLong(l.refcountTable, l.refcountTable)));
        c.add(new Case("refcount block is the header", "READ", putLong(l.refcountTable, 0x10000 * 0 + 0)));
        c.add(new Case("refcount block unaligned", "READ", putLong(l.refcountTable, l.refcountBlock + 512)));
        c.add(new Case("refcount block past the end", "READ", putLong(l.refcountTable, 1L << 40)));
        c.add(new Case("bitmaps: 2^32-1 bitmaps", "CORRUPT", f -> io(() -> patchBitmapExtension(f, 0, -1))));
        c.add(new Case("bitmaps: directory 2^62 bytes", "CORRUPT", f -> io(() -> patchBitmapExtensionLong(f, 8,
                1L << 62))));
        c.add(new Case("bitmaps: directory past the end", "CORRUPT", f -> io(() -> patchBitmapExtensionLong(f, 16,
                1L << 40))));
        return c;
    }

    /** Finds the bitmaps extension in the header and overwrites a field of it. */
    private static void patchBitmapExtension(RandomAccessFile f, int field, int value) throws IOException {
        f.seek(bitmapExtension(f) + 8 + field);
        f.writeInt(value);
    }

    private static void patchBitmapExtensionLong(RandomAccessFile f, int field, long value) throws IOException {
        f.seek(bitmapExtension(f) + 8 + field);
        f.writeLong(value);
    }

    private static long bitmapExtension(RandomAccessFile f) throws IOException {
        long off = 112;
        while (true) {
            f.seek(off);
            int type = f.readInt();
            int len = f.readInt();
            if (type == HeaderExtension.BITMAPS) {
                return off;
            }
            if (type == 0) {
                throw new IOException("no bitmaps extension");
            }
            off += 8 + ((len + 7) & ~7);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusedCleanlyAndLeftUntouched(Case c) throws Exception {
        Path img = dir.resolve("hostile.qcow2");
        Files.write(img, pristine);
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            c.mutate.accept(f);
        }
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(img, old);
        byte[] before = digest(img);
        Throwable outcome = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> exercise(img));
        if (outcome != null && !(outcome instanceof CorruptImageException)
                && !(outcome instanceof UnsupportedFeatureException)
                && !String.valueOf(outcome.getMessage()).endsWith(Qcow2Encryption.KEY_REQUIRED)) {
            fail(c.name + ": " + outcome, outcome);
        }
        if (c.expect.equals("CORRUPT")) {
            assertNotNull(outcome, c.name + " was accepted");
        } else if (outcome != null) {
            fail(c.name + " should be readable: " + outcome, outcome);
        }
        assertArrayEquals(before, digest(img), c.name + ": bytes changed");
        assertEquals(old, Files.getLastModifiedTime(img), c.name + ": mtime changed");
    }

    /** Opens read-only and does everything a reader does; returns what stopped it, or null. */
    private static Throwable exercise(Path img) {
        OpenOptions ro = OpenOptions.readOnlyDefaults().withFormat("qcow2").withResolver(ReferenceResolver.denyAll())
                .withMetadataCacheBytes(1 << 20);
        try (Image image = Images.open(img, ro)) {
            image.info();
            ByteBuffer buf = ByteBuffer.allocate(65536 + 512);
            for (long pos = 0; pos < image.size(); pos += buf.capacity()) {
                buf.clear().limit((int) Math.min(buf.capacity(), image.size() - pos));
                image.read(pos, buf);
            }
            for (long pos = 0; pos < image.size(); ) {
                Extent e = image.mapping(pos, Long.MAX_VALUE);
                pos = e.end();
            }
            Qcow2Image q = (Qcow2Image) image;
            for (var s : q.snapshots()) {
                Image view = q.openSnapshot(s.id());
                for (long pos = 0; pos < view.size(); pos += 65536) {
                    view.read(pos, ByteBuffer.allocate((int) Math.min(65536, view.size() - pos)));
                }
            }
            for (Qcow2Bitmap b : q.bitmaps()) {
                q.changedRanges(b.name());
            }
            ImageCheck check = image.check(ImageCheck.Repair.NONE);
            assertNotNull(check);
            return null;
        } catch (CorruptImageException | UnsupportedFeatureException e) {
            return e;
        } catch (IOException e) {
            if (e.getCause() instanceof dev.platter.core.image.ReferenceDeniedException) {
                return null; // the gate did its job: a reference to another file was refused
            }
            if (e.getMessage() != null && e.getMessage().endsWith(Qcow2Encryption.KEY_REQUIRED)) {
                return e; // encrypted (legacy AES, here): refused without its key, as qemu refuses it
            }
            return new AssertionError("plain IOException: " + e, e);
        } catch (RuntimeException | Error e) {
            return e;
        }
    }

    private static byte[] digest(Path p) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
    }

    /** Random byte flips in every metadata structure: never a raw RuntimeException, a hang or a change. */
    @Test
    void randomMetadataDamage() throws Exception {
        long[] regions = {0, layout.l1, layout.l2, layout.refcountTable, layout.refcountBlock, layout.snapshots,
            layout.bitmapDirectory};
        // -Dqcow2.fuzz.rounds=N -Dqcow2.fuzz.seed=S explore further; the default run is quick and repeatable.
        long seed = Long.getLong("qcow2.fuzz.seed", 42);
        int rounds = Integer.getInteger("qcow2.fuzz.rounds", 300);
        java.util.Random r = new java.util.Random(seed);
        Path img = dir.resolve("fuzz.qcow2");
        for (int round = 0; round < rounds; round++) {
            byte[] bytes = pristine.clone();
            int flips = 1 + r.nextInt(8);
            StringBuilder what = new StringBuilder("seed " + seed + " round " + round + ":");
            for (int i = 0; i < flips; i++) {
                long base = regions[r.nextInt(regions.length)];
                int at = (int) Math.min(pristine.length - 1, base + r.nextInt(round % 2 == 0 ? 128 : 4096));
                bytes[at] = (byte) r.nextInt(256);
                what.append(String.format(" [0x%x]=0x%02x", at, bytes[at] & 0xff));
            }
            Files.write(img, bytes);
            byte[] before = digest(img);
            Throwable outcome;
            try {
                outcome = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> exercise(img));
            } catch (AssertionError e) {
                Files.write(Path.of(System.getProperty("java.io.tmpdir"), "qcow2-fuzz-failure.qcow2"), bytes);
                throw new AssertionError(what + ": " + e.getMessage(), e);
            }
            if (outcome != null && !(outcome instanceof CorruptImageException)
                    && !(outcome instanceof UnsupportedFeatureException)) {
                fail(what + ": " + outcome, outcome);
            }
            assertArrayEquals(before, digest(img), what.toString());
        }
    }

    /** The same damage, opened read-write and written to: errors are allowed, crashes and hangs are not. */
    @Test
    void randomMetadataDamageWhileWriting() throws Exception {
        long[] regions = {0, layout.l1, layout.l2, layout.refcountTable, layout.refcountBlock, layout.snapshots,
            layout.bitmapDirectory};
        long seed = Long.getLong("qcow2.fuzz.seed", 43);
        int rounds = Integer.getInteger("qcow2.fuzz.rounds", 150);
        java.util.Random r = new java.util.Random(seed);
        Path img = dir.resolve("fuzz-rw.qcow2");
        for (int round = 0; round < rounds; round++) {
            byte[] bytes = pristine.clone();
            StringBuilder what = new StringBuilder("seed " + seed + " round " + round + ":");
            for (int i = 0, flips = 1 + r.nextInt(6); i < flips; i++) {
                int at = (int) Math.min(pristine.length - 1,
                        regions[r.nextInt(regions.length)] + r.nextInt(round % 2 == 0 ? 128 : 4096));
                bytes[at] = (byte) r.nextInt(256);
                what.append(String.format(" [0x%x]=0x%02x", at, bytes[at] & 0xff));
            }
            Files.write(img, bytes);
            long opSeed = r.nextLong();
            Throwable outcome;
            try {
                outcome = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> write(img, opSeed));
            } catch (AssertionError e) {
                Files.write(Path.of(System.getProperty("java.io.tmpdir"), "qcow2-fuzz-rw-failure.qcow2"), bytes);
                throw new AssertionError(what + ": " + e.getMessage(), e);
            }
            if (outcome instanceof RuntimeException || outcome instanceof Error) {
                fail(what + ": " + outcome, outcome);
            }
        }
    }

    private static Throwable write(Path img, long seed) {
        java.util.Random r = new java.util.Random(seed);
        OpenOptions rw = OpenOptions.readWriteDefaults().withFormat("qcow2").withResolver(ReferenceResolver.denyAll())
                .withMetadataCacheBytes(1 << 20);
        try (Image image = Images.open(img, rw)) {
            Qcow2Image q = (Qcow2Image) image;
            for (int i = 0; i < 6; i++) {
                long at = (long) (r.nextDouble() * image.size());
                long len = Math.min(image.size() - at, 1 + r.nextInt(200_000));
                switch (r.nextInt(5)) {
                    case 0 -> image.write(at, ByteBuffer.wrap(new byte[(int) len]));
                    case 1 -> image.writeZeroes(at, len);
                    case 2 -> image.discard(at, len);
                    case 3 -> q.createSnapshot("f" + i);
                    default -> q.writeClusterCompressed(at / q.clusterSize() * q.clusterSize(),
                            ByteBuffer.wrap(new byte[(int) Math.min(q.clusterSize(),
                                    image.size() - at / q.clusterSize() * q.clusterSize())]));
                }
            }
            return null;
        } catch (IOException e) {
            return null; // a clear error (corrupt, unsupported, refused reference) is the right answer
        } catch (RuntimeException | Error e) {
            return e;
        }
    }

    @Test
    void backingLoopsAreRefused() throws Exception {
        Path a = dir.resolve("loop-a.qcow2");
        Path b = dir.resolve("loop-b.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", a.toString(), "1M").ok();
        Qemu.img("create", "-q", "-f", "qcow2", "-u", "-b", "loop-a.qcow2", "-F", "qcow2", b.toString(), "1M").ok();
        Qemu.img("rebase", "-u", "-b", "loop-b.qcow2", "-F", "qcow2", a.toString()).ok();
        for (Path p : List.of(a, b)) {
            try (Image i = Images.open(p, OpenOptions.readOnlyDefaults())) {
                fail("opened a backing loop: " + i.describe());
            } catch (CorruptImageException e) {
                assertTrue(e.getMessage().contains("loop"), e.getMessage());
            }
        }
        Path self = dir.resolve("self.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-u", "-b", "self.qcow2", "-F", "qcow2", self.toString(), "1M").ok();
        try (Image i = Images.open(self, OpenOptions.readOnlyDefaults())) {
            fail("opened a self-referencing image");
        } catch (CorruptImageException e) {
            assertTrue(e.getMessage().contains("loop"), e.getMessage());
        }
    }

    @Test
    void deepChainsStopAtTheLimit() throws Exception {
        Path prev = dir.resolve("chain0.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", prev.toString(), "1M").ok();
        for (int i = 1; i <= 6; i++) {
            Path next = dir.resolve("chain" + i + ".qcow2");
            Qemu.img("create", "-q", "-f", "qcow2", "-b", prev.getFileName().toString(), "-F", "qcow2",
                    next.toString()).ok();
            prev = next;
        }
        try (Image i = Images.open(prev, OpenOptions.readOnlyDefaults().withMaxChainDepth(3))) {
            fail("chain longer than the limit was opened");
        } catch (IOException e) {
            assertTrue(e.getMessage().contains("longer than 3"), e.getMessage());
        }
    }

    @Test
    void aWriteOverMetadataSetsTheCorruptBitInsteadOfDamagingIt() throws Exception {
        Path img = dir.resolve("overlap.qcow2");
        Files.write(img, pristine);
        // Guest cluster 0 claims the refcount block as its (writable) data cluster.
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(layout.l2);
            f.writeLong(layout.refcountBlock | L2Entry.COPIED);
        }
        byte[] blockBefore = Arrays.copyOfRange(Files.readAllBytes(img), (int) layout.refcountBlock,
                (int) layout.refcountBlock + 65536);
        try (Image image = Images.open(img, OpenOptions.readWriteDefaults().withFormat("qcow2"))) {
            try {
                image.write(0, ByteBuffer.wrap(new byte[4096]));
                fail("wrote guest data over a refcount block");
            } catch (CorruptImageException e) {
                assertTrue(e.getMessage().contains("marked corrupt"), e.getMessage());
            }
        }
        byte[] blockAfter = Arrays.copyOfRange(Files.readAllBytes(img), (int) layout.refcountBlock,
                (int) layout.refcountBlock + 65536);
        assertArrayEquals(blockBefore, blockAfter);
        assertTrue(Qemu.img("info", img.toString()).stdout().contains("corrupt: true"));
        try (Image image = Images.open(img, OpenOptions.readWriteDefaults().withFormat("qcow2"))) {
            fail("a corrupt image was opened read-write");
        } catch (IOException e) {
            assertTrue(e.getMessage().contains("Image is corrupt; cannot be opened read/write"), e.getMessage());
        }
    }

    @Test
    void readOnlyOpensOfDirtyAndCorruptImagesChangeNothing() throws Exception {
        Path dirty = dir.resolve("dirty.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-o", "lazy_refcounts=on", dirty.toString(), "4M").ok();
        dev.platter.testdata.Tool.run("qemu-io", "-c", "write -P 5 0 1M", "-c", "abort", dirty.toString());
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(dirty, old);
        byte[] before = digest(dirty);
        try (Qcow2Image q = (Qcow2Image) Images.open(dirty, OpenOptions.readOnlyDefaults())) {
            assertTrue(q.info().dirty());
            byte[] expected = new byte[1 << 20];
            Arrays.fill(expected, (byte) 5);
            assertArrayEquals(expected, q.readBytes(0, 1 << 20));
            assertEquals(32, q.check(ImageCheck.Repair.NONE).corruptions());
        }
        assertArrayEquals(before, digest(dirty));
        assertEquals(old, Files.getLastModifiedTime(dirty));
        // Opened read-write, the refcounts are rebuilt before anything is allocated.
        try (Image q = Images.open(dirty, OpenOptions.readWriteDefaults())) {
            q.write(2 << 20, ByteBuffer.wrap(new byte[4096]));
        }
        Qemu.assertClean(dirty);
    }
}
