package dev.platter.format.vpc;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
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
        FlushModel model = new FlushModel(content(image));
        Random r = new Random(subformat.hashCode());
        CrashJournal journal = new CrashJournal();
        journal.run(() -> {
            try (Image img = Images.open(image, OpenOptions.readWriteDefaults().withFormat("vpc"))) {
                FlushModel.Guest guest = model.on(img, journal::size);
                for (int i = 0; i < 24; i++) {
                    int op = r.nextInt(8);
                    long at = r.nextInt(SIZE);
                    long len = Math.min(SIZE - at, 1 + r.nextInt(96 * 1024));
                    switch (op) {
                        case 0, 1, 2 -> guest.write(at, random((int) len, i));
                        case 3 -> guest.writeZeroes(at, len);
                        case 4 -> guest.discard(at, len);
                        default -> guest.flush();
                    }
                }
            }
            model.flushed(journal.size());
        });
        Path crashDir = Files.createDirectories(dir.resolve("crash"));
        int states = journal.eachState(crashDir, (n, tear, crash) -> {
            String what = subformat + ": " + crash;
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
            model.check(n, actual, what);
        });
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
