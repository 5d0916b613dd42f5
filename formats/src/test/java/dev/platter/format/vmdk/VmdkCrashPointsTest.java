package dev.platter.format.vmdk;

import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.capability.CompressedWrites;
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
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Crash safety of VMDK writes, proven at every write as for qcow2 ({@link CrashJournal}): guest writes, zero
 * writes, discards and flushes run once with the host writes recorded; then every prefix of them (and every torn
 * last write) is rebuilt, and each state must pass {@code qemu-img check} and read every byte acknowledged by a
 * completed flush as it was written. Grains go to the end of the file and are flushed before the grain tables that
 * point at them, so a crash leaves at most grains nobody points at.
 */
@RequiresTool("qemu-img")
class VmdkCrashPointsTest {
    private static final int SIZE = 2 << 20;
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"monolithicSparse", "monolithicSparse,zeroed_grain=on", "twoGbMaxExtentSparse",
        "monolithicSparse over a parent", "streamOptimized"})
    void writesKeepFlushedData(String setup) throws Exception {
        boolean overParent = setup.endsWith("over a parent");
        String options = "subformat=" + setup.replace(" over a parent", "");
        Path image = dir.resolve("d.vmdk");
        if (overParent) {
            Tool.run("qemu-img", "create", "-q", "-f", "vmdk", dir.resolve("p.vmdk").toString(),
                    Integer.toString(SIZE)).ok();
            Tool.run("qemu-io", "-f", "vmdk", "-c", "write -P 0x44 0 2M", dir.resolve("p.vmdk").toString()).ok();
            Tool.run("qemu-img", "create", "-q", "-f", "vmdk", "-o", options, "-b", "p.vmdk", "-F", "vmdk",
                    image.toString()).ok();
        } else {
            new VmdkFormat().create(image, SIZE, dev.platter.core.image.CreateOptions.of(
                    dev.platter.core.image.CreateOptions.parseList(options)));
        }
        boolean stream = options.contains("streamOptimized");
        FlushModel flushes = new FlushModel(content(image));
        byte[] model = flushes.content();
        Random r = new Random(setup.hashCode());
        CrashJournal journal = new CrashJournal();
        journal.run(() -> {
            try (Image img = Images.open(image, OpenOptions.readWriteDefaults().withFormat("vmdk"))) {
                boolean[] streamed = new boolean[SIZE / 65536];
                for (int i = 0; i < 24; i++) {
                    int op = r.nextInt(8);
                    long at = r.nextInt(SIZE);
                    long len = Math.min(SIZE - at, 1 + r.nextInt(96 * 1024));
                    if (stream) {
                        int g = (int) (at / 65536);
                        if (op >= 5 || streamed[g]) {
                            op = 7;
                        } else {
                            streamed[g] = true;
                            at = g * 65536L;
                            len = 65536;
                            op = 0;
                        }
                    }
                    flushes.issued(journal.size(), at, len);
                    switch (op) {
                        case 0, 1, 2 -> {
                            byte[] b = random((int) len, i);
                            if (stream && i % 2 == 0) {
                                CompressedWrites c = img.capability(CompressedWrites.class).orElseThrow();
                                Arrays.fill(b, 0, b.length / 2, (byte) i); // compressible
                                ByteBuffer packed = c.compress(ByteBuffer.wrap(b));
                                if (packed != null) {
                                    c.writeCompressedCluster(at, packed);
                                } else {
                                    img.write(at, ByteBuffer.wrap(b));
                                }
                            } else {
                                img.write(at, ByteBuffer.wrap(b));
                            }
                            System.arraycopy(b, 0, model, (int) at, (int) len);
                        }
                        case 3 -> {
                            img.writeZeroes(at, len);
                            Arrays.fill(model, (int) at, (int) (at + len), (byte) 0);
                        }
                        case 4 -> {
                            img.discard(at, len);
                            byte[] below = overParent ? new byte[(int) len] : null;
                            if (below != null) {
                                Arrays.fill(below, (byte) 0x44);
                                System.arraycopy(below, 0, model, (int) at, (int) len);
                            } else {
                                Arrays.fill(model, (int) at, (int) (at + len), (byte) 0);
                            }
                        }
                        default -> {
                            img.flush();
                            flushes.flushed(journal.size());
                        }
                    }
                }
            }
            flushes.flushed(journal.size());
        });
        Path crashDir = Files.createDirectories(dir.resolve("crash"));
        if (overParent) {
            Files.copy(dir.resolve("p.vmdk"), crashDir.resolve("p.vmdk"));
        }
        int states = journal.eachState(crashDir, (n, tear, crash) -> {
            String what = setup + ": " + crash;
            Path crashed = crashDir.resolve("d.vmdk");
            Tool.Result check = Tool.run("qemu-img", "check", crashed.toString());
            if (check.exitCode() != 0) {
                fail(what + ": qemu-img check: " + check.stdout() + check.stderr());
            }
            flushes.check(n, content(crashed), what);
        });
        assertTrue(states > 10, setup + ": " + states + " states");
        System.out.println(setup + ": " + journal.size() + " events, " + states + " crash states checked");
    }

    private static byte[] content(Path image) throws Exception {
        return HostFiles.using(HostFiles.FILES, () -> {
            try (Image i = Images.open(image, OpenOptions.readOnlyDefaults().withFormat("vmdk"))) {
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
