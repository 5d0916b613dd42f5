package dev.platter.format.qcow2;

import dev.platter.core.image.Image;
import dev.platter.core.image.ImageCheck;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.FileStorage;
import dev.platter.core.storage.HostFiles;
import dev.platter.core.storage.Storage;
import dev.platter.operation.Commit;
import dev.platter.operation.CommitOptions;
import dev.platter.operation.Rebase;
import dev.platter.operation.RebaseOptions;
import dev.platter.core.testing.CrashJournal;
import dev.platter.core.testing.FlushModel;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Crash safety of every writing operation, proven at every write: the operation runs once with its host writes
 * recorded ({@link CrashJournal}); then, for every n, the files are rebuilt as a power cut after the first n writes
 * would leave them, and again with the write at the cut torn in half (either half landing). Each state must pass
 * {@code qemu-img check} with nothing worse than leaked clusters, and must read right: data acknowledged by a
 * completed flush intact, an atomic operation either not done or done, other snapshots' content untouched.
 */
@RequiresTool("qemu-img")
class Qcow2CrashPointsTest {
    private static final int SIZE = 2 << 20;
    @TempDir
    Path dir;

    // ------------------------------------------------------------------------------ guest writes through the API

    @ParameterizedTest
    @ValueSource(strings = {"cluster_size=4096", "cluster_size=512,refcount_bits=64", "cluster_size=4096,compat=0.10",
        "cluster_size=16384,extended_l2=on", "cluster_size=4096,lazy_refcounts=on"})
    void guestWritesKeepFlushedData(String options) throws Exception {
        Path base = dir.resolve("base.raw");
        Files.write(base, random(SIZE, 1));
        img("create", "-q", "-f", "qcow2", "-o", options, "-b", "base.raw", "-F", "raw", path("top.qcow2"));
        writesWithModel("top.qcow2", options, (n, crashed) -> { });
    }

    @Test
    void guestWritesOverASnapshotCopyOnWrite() throws Exception {
        img("create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", path("s.qcow2"), Integer.toString(SIZE));
        io("s.qcow2", "write -P 0x11 0 1M", "write -c -P 0x22 1M 64k");
        img("snapshot", "-c", "before", path("s.qcow2"));
        byte[] snapshot = snapshotContent("s.qcow2", "before");
        // Besides the active content, the snapshot must read as it was at every crash point.
        writesWithModel("s.qcow2", "over a snapshot", (n, crashed) ->
                assertArrayEquals(snapshot, snapshotContent(crashed, "before"), "snapshot data after " + n));
    }

    @Test
    void guestWritesWithAPersistentBitmap() throws Exception {
        img("create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", path("b.qcow2"), Integer.toString(SIZE));
        io("b.qcow2", "write -P 0x13 0 512k");
        img("bitmap", "--add", path("b.qcow2"), "b0");
        // The bitmap is marked in use on the first write and stored at close; a crash leaves it in use (qemu then
        // treats it as inconsistent), never a broken image.
        writesWithModel("b.qcow2", "with a bitmap", (n, crashed) -> { });
        String info = Qemu.img("info", "--output=json", path("b.qcow2")).ok().stdout();
        assertTrue(info.contains("\"name\": \"b0\"") && !info.contains("in-use"), info);
    }

    /** Random writes, zeroes, discards and compressed clusters with flushes between; a model says what to expect. */
    private void writesWithModel(String name, String what, CrashCheck more) throws Exception {
        Path image = dir.resolve(name);
        FlushModel model = new FlushModel(guestContent(image));
        byte[] content = model.content();
        CrashJournal journal = new CrashJournal();
        Random r = new Random(what.hashCode());
        journal.run(() -> {
            try (Qcow2Image q = (Qcow2Image) Images.open(image, OpenOptions.readWriteDefaults().withFormat("qcow2")
                    .withMetadataCacheBytes(64 * 1024))) {
                for (int i = 0; i < 24; i++) {
                    int op = r.nextInt(8);
                    long at = r.nextInt(SIZE);
                    long len = Math.min(SIZE - at, 1 + r.nextInt(96 * 1024));
                    model.issued(journal.size(), at, len);
                    switch (op) {
                        case 0, 1, 2 -> {
                            byte[] b = random((int) len, i);
                            q.write(at, ByteBuffer.wrap(b));
                            System.arraycopy(b, 0, content, (int) at, (int) len);
                        }
                        case 3 -> {
                            q.writeZeroes(at, len);
                            Arrays.fill(content, (int) at, (int) (at + len), (byte) 0);
                        }
                        case 4 -> {
                            if (q.version() >= 3 && !q.extendedL2()) {
                                long c = at / q.clusterSize() * q.clusterSize();
                                byte[] b = new byte[q.clusterSize()];
                                Arrays.fill(b, 0, b.length / 2, (byte) i);
                                q.writeClusterCompressed(c, ByteBuffer.wrap(b));
                                System.arraycopy(b, 0, content, (int) c, b.length);
                                model.reissued(c, b.length);
                            }
                        }
                        default -> {
                            q.flush();
                            model.flushed(journal.size());
                        }
                    }
                }
            }
            model.flushed(journal.size());
        });
        checkEveryCrash(journal, name, what, (n, crashed) -> {
            model.check(n, guestContent(crashed), what);
            more.check(n, crashed);
        });
    }

    // ------------------------------------------------------------------------------------------------- snapshots

    @ParameterizedTest
    @ValueSource(strings = {"cluster_size=4096", "cluster_size=512,refcount_bits=64", "cluster_size=65536,compat=0.10"})
    void snapshotOperationsAreAtomic(String options) throws Exception {
        img("create", "-q", "-f", "qcow2", "-o", options, path("a.qcow2"), Integer.toString(SIZE));
        io("a.qcow2", "write -P 0x31 0 768k", "write -P 0x32 1M 256k");
        img("snapshot", "-c", "s0", path("a.qcow2"));
        io("a.qcow2", "write -P 0x41 512k 512k", "write -z 1536k 64k");
        byte[] s0 = snapshotContent("a.qcow2", "s0");
        byte[] active = guestContent(dir.resolve("a.qcow2"));
        Files.copy(dir.resolve("a.qcow2"), dir.resolve("start.qcow2"));

        atomic("a.qcow2", options + ": snapshot -c", q -> q.createSnapshot("s1"),
                List.of(active), List.of(active), Map.of("s0", s0), Map.of("s0", s0, "s1", active));
        restart();
        atomic("a.qcow2", options + ": snapshot -a", q -> q.applySnapshot("s0"),
                List.of(active), List.of(s0), Map.of("s0", s0), Map.of("s0", s0));
        restart();
        atomic("a.qcow2", options + ": snapshot -d", q -> q.deleteSnapshot("s0"),
                List.of(active), List.of(active), Map.of("s0", s0), Map.of());
    }

    private void restart() throws Exception {
        Files.copy(dir.resolve("start.qcow2"), dir.resolve("a.qcow2"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Runs a snapshot operation and checks every crash state is either the state before (active content, snapshot
     * names and their contents) or the state after, never a mix.
     */
    private void atomic(String name, String what, QcowOp op, List<byte[]> activeBefore, List<byte[]> activeAfter,
                        Map<String, byte[]> before, Map<String, byte[]> after) throws Exception {
        Path image = dir.resolve(name);
        CrashJournal journal = CrashJournal.record(() -> {
            try (Qcow2Image q = (Qcow2Image) Images.open(image, OpenOptions.readWriteDefaults().withFormat("qcow2"))) {
                op.run(q);
            }
        });
        checkEveryCrash(journal, name, what, (n, crashed) -> {
            List<String> names = snapshotNames(crashed);
            boolean done = names.equals(List.copyOf(new java.util.TreeSet<>(after.keySet())))
                    && !names.equals(List.copyOf(new java.util.TreeSet<>(before.keySet())));
            if (before.keySet().equals(after.keySet())) {
                // apply: the snapshot list does not change; the active content tells
                done = Arrays.equals(guestContent(crashed), activeAfter.get(0));
            }
            Map<String, byte[]> want = done ? after : before;
            assertTrue(names.equals(List.copyOf(new java.util.TreeSet<>(want.keySet()))),
                    what + " after " + n + ": snapshots " + names);
            byte[] act = guestContent(crashed);
            assertTrue(Arrays.equals(act, (done ? activeAfter : activeBefore).get(0)),
                    what + " after " + n + ": active content is neither the old nor the new");
            for (Map.Entry<String, byte[]> s : want.entrySet()) {
                assertArrayEquals(s.getValue(), snapshotContent(crashed, s.getKey()),
                        what + " after " + n + ": content of snapshot " + s.getKey());
            }
        });
    }

    @FunctionalInterface
    private interface QcowOp {
        void run(Qcow2Image q) throws Exception;
    }

    // ------------------------------------------------------------------------------ resize, amend, check -r

    @ParameterizedTest
    @ValueSource(strings = {"grow", "shrink"})
    void resizeKeepsData(String how) throws Exception {
        img("create", "-q", "-f", "qcow2", "-o", "cluster_size=512", path("r.qcow2"), Integer.toString(SIZE));
        io("r.qcow2", "write -P 0x51 0 1M", "write -P 0x52 1536k 256k");
        byte[] before = guestContent(dir.resolve("r.qcow2"));
        long newSize = how.equals("grow") ? 64L << 20 : SIZE / 2;
        sameContentThroughout("r.qcow2", "resize " + how, q -> q.resize(newSize, true),
                Arrays.copyOf(before, (int) Math.min(SIZE, newSize)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"compat=0.10", "refcount_bits=1", "refcount_bits=64", "lazy_refcounts=on",
        "compat=1.1"})
    void amendKeepsData(String option) throws Exception {
        String start = option.equals("compat=1.1") ? "compat=0.10,cluster_size=4096" : "cluster_size=4096";
        img("create", "-q", "-f", "qcow2", "-o", start, path("m.qcow2"), Integer.toString(SIZE));
        io("m.qcow2", "write -P 0x61 0 640k", "write -P 0x62 1M 64k");
        byte[] before = guestContent(dir.resolve("m.qcow2"));
        sameContentThroughout("m.qcow2", "amend " + option, q -> q.amend(
                dev.platter.core.image.CreateOptions.parseList(option)), before);
    }

    @ParameterizedTest
    @ValueSource(strings = {"LEAKS", "ALL"})
    void repairKeepsData(String mode) throws Exception {
        img("create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", path("c.qcow2"), Integer.toString(SIZE));
        io("c.qcow2", "write -P 0x71 0 1M");
        byte[] before = guestContent(dir.resolve("c.qcow2"));
        leak(dir.resolve("c.qcow2"), 40);
        assertTrue(Qemu.img("check", path("c.qcow2")).exitCode() == 3, "the setup leaks clusters");
        sameContentThroughout("c.qcow2", "check -r " + mode, q -> q.check(ImageCheck.Repair.valueOf(mode)), before);
    }

    /** Adds {@code clusters} allocated but unreferenced clusters at the end of the image. */
    private static void leak(Path image, int clusters) throws Exception {
        try (Storage file = FileStorage.open(image, false)) {
            Qcow2Metadata m = Qcow2Metadata.open(file, false, OpenOptions.DEFAULT_METADATA_CACHE, false);
            long at = m.refcounts.allocateClusters(clusters);
            m.flushMetadata();
            m.file.setSize(Math.max(m.file.size(), at + (long) clusters * m.geo.clusterSize()));
        }
    }

    private void sameContentThroughout(String name, String what, QcowOp op, byte[] expected) throws Exception {
        Path image = dir.resolve(name);
        CrashJournal journal = CrashJournal.record(() -> {
            try (Qcow2Image q = (Qcow2Image) Images.open(image, OpenOptions.readWriteDefaults().withFormat("qcow2"))) {
                op.run(q);
            }
        });
        checkEveryCrash(journal, name, what, (n, crashed) -> {
            byte[] act = guestContent(crashed);
            assertArrayEquals(expected, Arrays.copyOf(act, expected.length), what + " after " + n + " writes");
        });
    }

    // ------------------------------------------------------------------------------------- commit and rebase

    @Test
    void commitKeepsTheTopsView() throws Exception {
        img("create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", path("base.qcow2"), Integer.toString(SIZE));
        io("base.qcow2", "write -P 0x81 0 1M");
        img("create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", "-b", "base.qcow2", "-F", "qcow2",
                path("top.qcow2"));
        io("top.qcow2", "write -P 0x82 512k 1M", "write -z 0 64k");
        byte[] view = guestContent(dir.resolve("top.qcow2"));
        CrashJournal journal = CrashJournal.record(() -> Commit.run(new CommitOptions(dir.resolve("top.qcow2"),
                path("top.qcow2"), null, null, false, null), dev.platter.core.ProgressListener.NONE));
        checkEveryCrash(journal, "top.qcow2", "commit", (n, crashed) ->
                assertArrayEquals(view, guestContent(crashed), "commit: the top's view after " + n + " writes"));
    }

    @Test
    void rebaseKeepsTheView() throws Exception {
        img("create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", path("old.qcow2"), Integer.toString(SIZE));
        io("old.qcow2", "write -P 0x91 0 1M");
        img("create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", path("new.qcow2"), Integer.toString(SIZE));
        io("new.qcow2", "write -P 0x92 512k 1M");
        img("create", "-q", "-f", "qcow2", "-o", "cluster_size=4096", "-b", "old.qcow2", "-F", "qcow2",
                path("top.qcow2"));
        io("top.qcow2", "write -P 0x93 768k 64k");
        byte[] view = guestContent(dir.resolve("top.qcow2"));
        CrashJournal journal = CrashJournal.record(() -> Rebase.run(new RebaseOptions(dir.resolve("top.qcow2"),
                path("top.qcow2"), null, "new.qcow2", "qcow2", false, null, false), dev.platter.core.ProgressListener.NONE));
        checkEveryCrash(journal, "top.qcow2", "rebase", (n, crashed) ->
                assertArrayEquals(view, guestContent(crashed), "rebase: the view after " + n + " writes"));
    }

    // -------------------------------------------------------------------------------------------- the driver

    @FunctionalInterface
    private interface CrashCheck {
        void check(int n, Path crashedImage) throws Exception;
    }

    /** Rebuilds every crash state of {@code journal} (cut after each event, and torn) and checks it. */
    private void checkEveryCrash(CrashJournal journal, String image, String what, CrashCheck check) throws Exception {
        Path crashDir = Files.createDirectories(dir.resolve("crash"));
        int writes = 0;
        for (CrashJournal.Event e : journal.events()) {
            writes += e.isWrite() ? 1 : 0;
        }
        assertTrue(writes > 0, what + ": the operation wrote nothing");
        int states = journal.eachState(crashDir, (n, tear, crash) -> {
            String at = what + ": " + crash;
            for (Path f : journal.files()) {
                Path c = crashDir.resolve(f.getFileName());
                if (Files.exists(c) && c.toString().endsWith(".qcow2")) {
                    assertNoCorruption(c, at);
                }
            }
            try {
                check.check(n, crashDir.resolve(image));
            } catch (AssertionError | Exception e) {
                throw new AssertionError(at + ": " + e.getMessage(), e);
            }
        });
        System.out.println(what + ": " + writes + " writes, " + states + " crash states checked");
    }

    private static void assertNoCorruption(Path image, String what) {
        Tool.Result r = Qemu.img("check", image.toString());
        for (String line : r.stderr().split("\n")) {
            if (!line.isBlank() && !line.startsWith("Leaked cluster")) {
                fail(what + ": qemu-img check " + image.getFileName() + ": " + line);
            }
        }
        if (r.exitCode() != 0 && r.exitCode() != 3) {
            fail(what + ": qemu-img check " + image.getFileName() + " exit " + r.exitCode() + "\n" + r.stdout());
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static byte[] guestContent(Path image) throws Exception {
        return HostFiles.using(HostFiles.FILES, () -> {
            try (Image i = Images.open(image, OpenOptions.readOnlyDefaults().withFormat("qcow2"))) {
                return Qemu.readAll(i, 1 << 20);
            }
        });
    }

    private byte[] snapshotContent(String name, String snapshot) throws Exception {
        return snapshotContent(dir.resolve(name), snapshot);
    }

    private static byte[] snapshotContent(Path image, String snapshot) throws Exception {
        try (Qcow2Image q = (Qcow2Image) Images.open(image, OpenOptions.readOnlyDefaults().withFormat("qcow2"));
             Image s = q.openSnapshot(snapshot)) {
            return Qemu.readAll(s, 1 << 20);
        }
    }

    private static List<String> snapshotNames(Path image) throws Exception {
        try (Qcow2Image q = (Qcow2Image) Images.open(image, OpenOptions.readOnlyDefaults().withFormat("qcow2"))) {
            List<String> names = new ArrayList<>();
            q.snapshots().forEach(s -> names.add(s.name()));
            names.sort(null);
            return names;
        }
    }

    private String path(String name) {
        return dir.resolve(name).toString();
    }

    private void img(String... args) {
        Qemu.img(args).ok();
    }

    private void io(String image, String... commands) {
        Qemu.io(dir.resolve(image), "qcow2", commands);
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
