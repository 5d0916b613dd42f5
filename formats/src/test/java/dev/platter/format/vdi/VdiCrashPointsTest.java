package dev.platter.format.vdi;

import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.HostFiles;
import dev.platter.core.testing.CrashJournal;
import dev.platter.core.testing.FlushModel;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Crash safety of VDI writes, proven at every write ({@link CrashJournal}): guest writes, zero writes, discards and
 * flushes run once with the host writes recorded; every prefix of them (and every torn last write) is rebuilt, and
 * each state must read every byte acknowledged by a completed flush as it was written, and be safe to write again
 * with qemu or Platter: no two map entries name the same data block and every entry lies below the header's
 * allocated count (the index the next new block takes). {@code qemu-img check} must find nothing, or only the
 * mismatch a crash between the header's count and the map leaves (a count above the entries, which wastes blocks
 * and endangers none).
 */
@RequiresTool("qemu-img")
class VdiCrashPointsTest {
    private static final int SIZE = 6 << 20;
    private static final Pattern MISMATCH = Pattern.compile(
            "ERROR: allocated blocks mismatch, is (\\d+), should be (\\d+)\n");
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"off", "on"})
    void writesKeepFlushedData(String fixed) throws Exception {
        Path image = dir.resolve("d.vdi");
        new VdiFormat().create(image, SIZE, CreateOptions.of(Map.of("static", fixed)));
        FlushModel model = new FlushModel(new byte[SIZE]);
        Random r = new Random(fixed.hashCode());
        CrashJournal journal = new CrashJournal();
        journal.run(() -> {
            try (Image img = Images.open(image, OpenOptions.readWriteDefaults().withFormat("vdi"))) {
                FlushModel.Guest guest = model.on(img, journal::size);
                for (int i = 0; i < 20; i++) {
                    int op = r.nextInt(8);
                    long at = r.nextInt(SIZE);
                    long len = Math.min(SIZE - at, 1 + r.nextInt(1 << 20));
                    switch (op) {
                        case 0, 1, 2, 3 -> {
                            byte[] b = new byte[(int) len];
                            new Random(i).nextBytes(b);
                            guest.write(at, b);
                        }
                        case 4 -> guest.writeZeroes(at, len);
                        case 5 -> guest.discard(at, len);
                        default -> guest.flush();
                    }
                }
            }
            model.flushed(journal.size());
        });
        Path crashDir = Files.createDirectories(dir.resolve("crash"));
        int states = journal.eachState(crashDir, (n, tear, crash) -> {
            String what = "static=" + fixed + ": " + crash;
            Path crashed = crashDir.resolve("d.vdi");
            Tool.Result check = Tool.run("qemu-img", "check", crashed.toString());
            if (check.exitCode() != 0) {
                Matcher m = MISMATCH.matcher(check.stderr());
                if (check.exitCode() != 2 || !m.matches()
                        || Long.parseLong(m.group(1)) >= Long.parseLong(m.group(2))) {
                    fail(what + ": qemu-img check: " + check.stdout() + check.stderr());
                }
            }
            safeToWrite(crashed, what);
            model.check(n, content(crashed), what);
        });
        assertTrue(states > 10, fixed + ": " + states + " states");
        System.out.println("static=" + fixed + ": " + journal.size() + " events, " + states + " crash states checked");
    }

    /** No entry is shared, and none lies at or above the count a writer takes its next index from. */
    private static void safeToWrite(Path image, String what) throws Exception {
        ByteBuffer f = ByteBuffer.wrap(Files.readAllBytes(image)).order(ByteOrder.LITTLE_ENDIAN);
        long count = Integer.toUnsignedLong(f.getInt(VdiHeader.OFF_ALLOCATED));
        int blocks = f.getInt(VdiHeader.OFF_BLOCKS);
        boolean[] seen = new boolean[blocks];
        for (int b = 0; b < blocks; b++) {
            long e = Integer.toUnsignedLong(f.getInt(512 + 4 * b));
            if (e >= BlockMap.DISCARDED) {
                continue;
            }
            if (e >= count || e >= blocks || seen[(int) e]) {
                fail(what + ": block " + b + " names data block " + e + " (count " + count + ")");
            }
            seen[(int) e] = true;
        }
    }

    private static byte[] content(Path image) throws Exception {
        return HostFiles.using(HostFiles.FILES, () -> {
            try (Image i = Images.open(image, OpenOptions.readOnlyDefaults().withFormat("vdi"))) {
                return i.readBytes(0, (int) i.size());
            }
        });
    }
}
