package dev.platter.format.qcow2;

import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.FileStorage;
import dev.platter.core.storage.Storage;
import dev.platter.core.testing.ForwardingStorage;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crash safety of the metadata write order: every write Platter makes to the image file is recorded, and the file
 * as it would be after a crash at each point (every write up to there applied, in order) is checked by qemu-img:
 * it may leak clusters, but must never show a corruption. The workload allocates data and L2 tables, grows the
 * refcount table (512-byte clusters with 64-bit refcounts make it grow every 2 MiB), takes and deletes snapshots,
 * writes compressed clusters, zeroes, discards and resizes.
 */
@RequiresTool("qemu-img")
class Qcow2CrashConsistencyTest {
    @TempDir
    Path dir;

    /** A storage that records every change to the file (writes, size changes) in order. */
    static final class RecordingStorage extends ForwardingStorage {
        final List<Object[]> events = new ArrayList<>();

        RecordingStorage(Storage inner) {
            super(inner);
        }

        @Override
        public void write(long pos, ByteBuffer src) throws IOException {
            byte[] b = new byte[src.remaining()];
            src.duplicate().get(b);
            events.add(new Object[] {pos, b});
            inner.write(pos, src);
        }

        @Override
        public void setSize(long size) throws IOException {
            events.add(new Object[] {size});
            inner.setSize(size);
        }

        @Override
        public void flush() throws IOException {
            events.add(new Object[0]); // a barrier: everything before it is on disk
            inner.flush();
        }

        @Override
        public void punchHole(long pos, long len) throws IOException {
            events.add(new Object[] {pos, new byte[(int) len]});
            inner.punchHole(pos, len);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cluster_size=512,refcount_bits=64", "cluster_size=65536",
        "cluster_size=16384,extended_l2=on,refcount_bits=4", "cluster_size=4096,compat=0.10"})
    void everyCrashPointChecksWithoutCorruption(String options) throws Exception {
        Path img = dir.resolve("crash.qcow2");
        new Qcow2Format().create(img, 4 << 20, CreateOptions.of(CreateOptions.parseList(options)));
        byte[] initial = Files.readAllBytes(img);
        RecordingStorage rec = new RecordingStorage(FileStorage.open(img, false));
        Random r = new Random(options.hashCode());
        try (Qcow2Image q = (Qcow2Image) new Qcow2Format().open(rec, OpenOptions.readWriteDefaults()
                .withMetadataCacheBytes(64 * 1024))) {
            for (int i = 0; i < 30; i++) {
                int op = r.nextInt(10);
                long at = r.nextInt(4 << 20);
                long len = Math.min((4 << 20) - at, 1 + r.nextInt(300_000));
                switch (op) {
                    case 0, 1, 2, 3 -> {
                        byte[] b = new byte[(int) len];
                        r.nextBytes(b);
                        q.write(at, ByteBuffer.wrap(b));
                    }
                    case 4 -> q.writeZeroes(at, len);
                    case 5 -> q.discard(at, len);
                    case 6 -> {
                        if (q.refcountBits() >= 8 && q.snapshots().size() < 3) {
                            q.createSnapshot("s" + i);
                        }
                    }
                    case 7 -> {
                        if (!q.snapshots().isEmpty()) {
                            q.deleteSnapshot(q.snapshots().get(0).id());
                        }
                    }
                    case 8 -> {
                        if (q.version() >= 3) {
                            long c = (at / q.clusterSize()) * q.clusterSize();
                            q.writeClusterCompressed(c, ByteBuffer.wrap(new byte[(int) Math.min(q.clusterSize(),
                                    (4 << 20) - c)]));
                        }
                    }
                    default -> q.flush();
                }
            }
            if (q.version() >= 3 || q.snapshots().isEmpty()) {
                q.resize(5 << 20, false);
            }
        }
        List<Object[]> events = new ArrayList<>();
        List<Integer> barriers = new ArrayList<>();
        for (Object[] e : rec.events) {
            if (e.length == 0) {
                barriers.add(events.size());
            } else {
                events.add(e);
            }
        }
        assertTrue(events.size() > 20, "only " + events.size() + " writes");
        Path crashed = dir.resolve("crashed.qcow2");
        int step = Integer.getInteger("qcow2.crash.step", Math.max(1, events.size() / 150));
        for (int n = 0; n <= events.size(); n = n == events.size() ? n + 1 : Math.min(events.size(), n + step)) {
            replay(crashed, initial, events, n, null);
            assertCheckAllowed(crashed, options + ": after " + n + " of " + events.size() + " writes");
        }
        // The disk may reorder writes between two barriers: apply everything before a barrier and a random part
        // of what follows it (up to the next barrier).
        for (int b = 0; b < barriers.size(); b += Math.max(1, barriers.size() / 40)) {
            int from = barriers.get(b);
            int to = b + 1 < barriers.size() ? barriers.get(b + 1) : events.size();
            for (int attempt = 0; attempt < 3 && to > from; attempt++) {
                java.util.BitSet subset = new java.util.BitSet();
                for (int k = from; k < to; k++) {
                    if (r.nextBoolean()) {
                        subset.set(k);
                    }
                }
                replay(crashed, initial, events, to, k -> k < from || subset.get(k));
                assertCheckAllowed(crashed, options + ": barrier " + b + ", writes " + from + ".." + to
                        + " applied in part " + subset);
            }
        }
    }

    private static void replay(Path file, byte[] initial, List<Object[]> events, int n,
                               java.util.function.IntPredicate keep) throws IOException {
        Files.write(file, initial);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            for (int k = 0; k < n; k++) {
                if (keep != null && !keep.test(k)) {
                    continue;
                }
                Object[] e = events.get(k);
                if (e.length == 1) {
                    f.setLength((Long) e[0]);
                } else {
                    f.seek((Long) e[0]);
                    f.write((byte[]) e[1]);
                }
            }
        }
    }

    private static void assertCheckAllowed(Path crashed, String what) {
        {
            Tool.Result check = Qemu.img("check", "--output=json", crashed.toString());
            // Leaks are allowed; nothing else is (a reference to a cluster counted as free, COPIED flags that
            // disagree with the refcounts, any other damage).
            for (String line : check.stderr().split("\n")) {
                assertTrue(line.isEmpty() || line.startsWith("Leaked cluster"), what + ": " + line);
            }
            assertTrue(check.exitCode() != 1 && check.exitCode() != 63, check.stdout() + check.stderr());
        }
    }
}
