package dev.platter.format.vhdx;

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
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Crash safety of VHDX writes, proven at every write ({@link CrashJournal}): guest writes, zero writes, discards
 * and flushes run once with the host writes recorded; then every prefix of them (and every torn last write) is
 * rebuilt. Each state must read, in Platter (read-only, so a pending log is replayed in memory), every byte
 * acknowledged by a completed flush as it was written; and a copy must pass {@code qemu-img check -r all} (which
 * replays a pending log on disk) and then read in qemu-img exactly as Platter read the state.
 */
@RequiresTool("qemu-img")
class VhdxCrashPointsTest {
    private static final int SIZE = 6 << 20;
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"block_size=1M", "block_size=1M,subformat=fixed",
        "block_size=1M,subformat=fixed,block_state_zero=off", "block_size=1M,block_state_zero=off,log_size=1M"})
    void writesKeepFlushedData(String options) throws Exception {
        Path image = dir.resolve("d.vhdx");
        new VhdxFormat().create(image, SIZE, CreateOptions.of(CreateOptions.parseList(options)));
        FlushModel model = new FlushModel(content(image));
        Random r = new Random(options.hashCode());
        CrashJournal journal = new CrashJournal();
        journal.run(() -> {
            try (Image img = Images.open(image, OpenOptions.readWriteDefaults().withFormat("vhdx"))) {
                FlushModel.Guest guest = model.on(img, journal::size);
                for (int i = 0; i < 20; i++) {
                    int op = r.nextInt(7);
                    long at = r.nextInt(SIZE);
                    long len = Math.min(SIZE - at, 1 + r.nextInt(1200 * 1024));
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
        Path copy = dir.resolve("copy.vhdx");
        Path raw = dir.resolve("copy.raw");
        int[] dirty = {0};
        int states = journal.eachState(crashDir, (n, tear, crash) -> {
            String what = options + ": " + crash;
            Path crashed = crashDir.resolve("d.vhdx");
            byte[] actual;
            try {
                actual = content(crashed);
            } catch (Exception e) {
                throw new AssertionError(what + ": Platter cannot read it", e);
            }
            model.check(n, actual, what);
            if (Tool.run("qemu-img", "info", crashed.toString()).exitCode() != 0) {
                dirty[0]++;
            }
            Files.copy(crashed, copy, StandardCopyOption.REPLACE_EXISTING);
            Tool.Result check = Tool.run("qemu-img", "check", "-r", "all", copy.toString());
            if (check.exitCode() != 0) {
                fail(what + ": qemu-img check -r all: " + check.stdout() + check.stderr());
            }
            Tool.run("qemu-img", "convert", "-f", "vhdx", "-O", "raw", copy.toString(), raw.toString()).ok();
            if (!Arrays.equals(actual, Files.readAllBytes(raw))) {
                fail(what + ": qemu-img reads its replay differently from Platter's read-only replay");
            }
        });
        assertTrue(states > 10, options + ": " + states + " states");
        System.out.println(options + ": " + journal.size() + " events, " + states + " crash states checked, "
                + dirty[0] + " with a log to replay");
    }

    private static byte[] content(Path image) throws Exception {
        return HostFiles.using(HostFiles.FILES, () -> {
            try (Image i = Images.open(image, OpenOptions.readOnlyDefaults().withFormat("vhdx"))) {
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
