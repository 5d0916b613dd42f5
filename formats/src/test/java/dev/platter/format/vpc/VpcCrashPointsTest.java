package dev.platter.format.vpc;

import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.HostFiles;
import dev.platter.core.testing.CrashJournal;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
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
 * Crash safety of VHD writes, proven at every write ({@link CrashJournal}): guest writes, zero writes, discards and
 * flushes run once with the host writes recorded; then every prefix of them (and every torn last write) is rebuilt,
 * and each state must open in qemu-img and in Platter, read the same in both, and read every byte acknowledged by a
 * completed flush as it was written. qemu has no check for vpc, so qemu-img reading the state is the check. A new
 * block's data and bitmap are flushed before its table entry is written, and the footer moves after that.
 */
@RequiresTool("qemu-img")
class VpcCrashPointsTest {
    private static final int SIZE = 8 << 20;
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"dynamic", "fixed"})
    void writesKeepFlushedData(String subformat) throws Exception {
        Path image = dir.resolve("d.vhd");
        new VpcFormat().create(image, SIZE, CreateOptions.of(Map.of("subformat", subformat, "force_size", "on")));
        byte[] model = content(image);
        List<long[]> flushes = new ArrayList<>();  // {journal index, model version}
        List<byte[]> versions = new ArrayList<>();
        List<long[]> issued = new ArrayList<>();   // {journal index when issued, start, length}
        versions.add(model.clone());
        flushes.add(new long[] {0, 0});
        Random r = new Random(subformat.hashCode());
        CrashJournal journal = new CrashJournal();
        journal.run(() -> {
            try (Image img = Images.open(image, OpenOptions.readWriteDefaults().withFormat("vpc"))) {
                for (int i = 0; i < 24; i++) {
                    int op = r.nextInt(8);
                    long at = r.nextInt(SIZE);
                    long len = Math.min(SIZE - at, 1 + r.nextInt(96 * 1024));
                    issued.add(new long[] {journal.size(), at, len});
                    switch (op) {
                        case 0, 1, 2 -> {
                            byte[] b = random((int) len, i);
                            img.write(at, ByteBuffer.wrap(b));
                            System.arraycopy(b, 0, model, (int) at, (int) len);
                        }
                        case 3 -> {
                            img.writeZeroes(at, len);
                            Arrays.fill(model, (int) at, (int) (at + len), (byte) 0);
                        }
                        case 4 -> {
                            img.discard(at, len);
                            Arrays.fill(model, (int) at, (int) (at + len), (byte) 0);
                        }
                        default -> {
                            img.flush();
                            versions.add(model.clone());
                            flushes.add(new long[] {journal.size(), versions.size() - 1});
                        }
                    }
                }
            }
            versions.add(model.clone());
            flushes.add(new long[] {journal.size(), versions.size() - 1});
        });
        Path crashDir = Files.createDirectories(dir.resolve("crash"));
        int states = 0;
        for (int n = 0; n <= journal.size(); n++) {
            for (CrashJournal.Tear tear : CrashJournal.Tear.values()) {
                if (tear != CrashJournal.Tear.NONE && !journal.tearable(n)) {
                    continue;
                }
                journal.materialize(crashDir, n, tear);
                String what = subformat + ": crash after " + n + " of " + journal.size() + " events"
                        + (tear == CrashJournal.Tear.NONE ? "" : ", the next one torn (" + tear + ")");
                Path crashed = crashDir.resolve("d.vhd");
                Path qemuRead = crashDir.resolve("q.raw");
                Tool.Result read = Tool.run("qemu-img", "convert", "-f", "vpc", "-O", "raw", crashed.toString(),
                        qemuRead.toString());
                if (read.exitCode() != 0) {
                    fail(what + ": qemu-img cannot read it: " + read.stderr());
                }
                byte[] actual = content(crashed);
                assertArrayEquals(Arrays.copyOf(Files.readAllBytes(qemuRead), SIZE), actual,
                        what + ": qemu-img reads otherwise");
                int k = 0;
                while (k + 1 < flushes.size() && flushes.get(k + 1)[0] <= n) {
                    k++;
                }
                byte[] expected = versions.get((int) flushes.get(k)[1]);
                boolean[] uncertain = new boolean[SIZE];
                for (long[] w : issued) {
                    if (w[0] >= flushes.get(k)[0] && w[0] <= n) {
                        Arrays.fill(uncertain, (int) w[1], (int) (w[1] + w[2]), true);
                    }
                }
                for (int b = 0; b < SIZE; b++) {
                    if (!uncertain[b] && actual[b] != expected[b]) {
                        fail(what + ": byte " + b + " flushed as " + expected[b] + " reads " + actual[b]);
                    }
                }
                states++;
            }
        }
        assertTrue(states > 10, subformat + ": " + states + " states");
        System.out.println(subformat + ": " + journal.size() + " events, " + states + " crash states checked");
    }

    private static byte[] content(Path image) throws Exception {
        return HostFiles.using(HostFiles.FILES, () -> {
            try (Image i = Images.open(image, OpenOptions.readOnlyDefaults().withFormat("vpc"))) {
                byte[] all = new byte[(int) i.size()];
                i.read(0, ByteBuffer.wrap(all));
                return all;
            }
        });
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
