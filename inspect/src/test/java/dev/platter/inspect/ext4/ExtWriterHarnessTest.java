package dev.platter.inspect.ext4;

import dev.platter.inspect.ext4.writing.Checks;
import dev.platter.inspect.ext4.writing.DebugfsTree;
import dev.platter.inspect.ext4.writing.ExtImageFactory;
import dev.platter.inspect.ext4.writing.ExtVariant;
import dev.platter.inspect.ext4.writing.HostTarget;
import dev.platter.inspect.ext4.writing.ModelFs;
import dev.platter.inspect.ext4.writing.Op;
import dev.platter.inspect.ext4.writing.Planner;
import dev.platter.inspect.ext4.writing.Scenario;
import dev.platter.inspect.ext4.writing.Tree;
import dev.platter.testdata.RequiresTool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ext writer's test harness checked without the writer: the planner's operations applied by the Linux kernel
 * to a host folder, turned into an image by mke2fs -d, must give the model's tree to every oracle (debugfs,
 * Platter's reader, the kernel). This proves the model's rules (rename over names, link counts, holes, owners,
 * times) and the oracles' parsing, so that a failure of the writer's tests is the writer's.
 */
@RequiresTool({"mke2fs", "e2fsck", "debugfs"})
class ExtWriterHarnessTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"ext2-1k", "ext3-4k", "ext4-1k", "ext4-inline", "ext4-no64bit"})
    void theModelOfHostOperationsIsWhatEveryOracleSees(String name) throws Exception {
        ExtVariant v = ExtVariant.named(name);
        for (long seed = 1; seed <= 2; seed++) {
            Path src = Files.createDirectories(dir.resolve("src" + seed));
            ModelFs model = Scenario.emptyModel();
            Planner planner = new Planner(model, v.blockSize(), v.sizeMiB() * (1L << 20) / 4).linkSymlinks(false);
            Random r = new Random(seed * 31 + name.hashCode());
            List<Planner.Step> steps = new ArrayList<>();
            Planner.Kind[] kinds = Planner.Kind.values();
            for (int i = 0; i < 60; i++) {
                Planner.Kind k = kinds[r.nextInt(kinds.length)];
                if (k == Planner.Kind.CREATE_MANY && r.nextInt(3) != 0) {
                    k = Planner.Kind.CREATE;
                }
                steps.add(new Planner.Step(k, r.nextLong()));
            }
            List<Op> ops = planner.plan(steps);
            HostTarget host = new HostTarget(src);
            for (Op op : ops) {
                op.apply(host);
            }
            Path img = ExtImageFactory.make(dir.resolve(name + "-" + seed + ".img"), v, src);
            // mke2fs -d adds /lost+found and sets the root itself; it keeps 32-bit seconds of mtimes, no more.
            Tree expected = model.snapshot().without(p -> p.equals("/"))
                    .mapMtimes(t -> java.time.Instant.ofEpochSecond((int) t.getEpochSecond()));
            List<String> problems = new ArrayList<>();
            Checks.compare("debugfs", expected, () -> DebugfsTree.read(img, dir).without(ExtWriterHarnessTest::mkfsOwn),
                    problems);
            Checks.compare("Platter's reader", expected,
                    () -> dev.platter.inspect.ext4.writing.ReaderTree.read(img).without(ExtWriterHarnessTest::mkfsOwn),
                    problems);
            if (dev.platter.inspect.ext4.writing.KernelTree.unavailable() == null) {
                Checks.compare("the kernel", expected,
                        () -> dev.platter.inspect.ext4.writing.KernelTree.read(img, dir)
                                .without(ExtWriterHarnessTest::mkfsOwn), problems);
            }
            assertTrue(problems.isEmpty(), name + " seed " + seed + ":\n" + Checks.describe(ops) + "\n"
                    + String.join("\n", problems));
            System.out.println(name + " seed " + seed + ": " + ops.size() + " operations, " + expected.size()
                    + " paths seen alike by every oracle");
        }
    }

    private static boolean mkfsOwn(String p) {
        return p.equals("/") || p.equals("/lost+found") || p.startsWith("/lost+found/");
    }

    @Test
    void aDifferenceIsReported() throws Exception {
        Path img = ExtImageFactory.make(dir.resolve("e.img"), ExtVariant.EXT4_1K);
        Tree t = DebugfsTree.read(img, dir);
        Tree.Node root = t.get("/");
        Tree changed = t.with("/", new Tree.Node(root.type(), 0700, root.uid(), root.gid(), root.size(),
                root.data(), root.nlink(), root.group(), root.mtime()));
        assertEquals(1, Tree.diff(t, changed).size());
        assertTrue(Tree.diff(t, dev.platter.inspect.ext4.writing.ReaderTree.read(img)).isEmpty());
    }
}
