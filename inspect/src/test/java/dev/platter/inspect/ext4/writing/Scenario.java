package dev.platter.inspect.ext4.writing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One run of the writer: an image of a variant (empty, or populated by mke2fs -d from a random host tree), a plan
 * of operations against the model of what the image holds, the operations given to the writer, and the oracles'
 * verdict on the result.
 */
public final class Scenario {
    private Scenario() {
    }

    /** The tree of an empty root directory (root:root 0755), for planning a tree from nothing. */
    public static ModelFs emptyModel() {
        Map<String, Tree.Raw> raw = new HashMap<>();
        raw.put("/", new Tree.Raw('d', 0755, 0, 0, 0, "", 2, "root", null));
        return ModelFs.of(Tree.of(raw), Map.of());
    }

    /**
     * Writes a random tree (files of every size class, directories, symbolic and hard links, special files) into
     * the empty host folder {@code dir} and returns the operations that made it.
     */
    public static List<Op> randomHostTree(Path dir, long seed, int blockSize, long maxBytes) throws IOException {
        Random r = new Random(seed);
        Planner p = new Planner(emptyModel(), blockSize, maxBytes);
        Planner.Kind[] kinds = {Planner.Kind.CREATE, Planner.Kind.CREATE, Planner.Kind.CREATE, Planner.Kind.MKDIR,
            Planner.Kind.MKDIR, Planner.Kind.SYMLINK, Planner.Kind.LINK, Planner.Kind.MKNOD, Planner.Kind.RENAME};
        int n = 10 + r.nextInt(30);
        for (int i = 0; i < n; i++) {
            p.step(new Planner.Step(kinds[r.nextInt(kinds.length)], r.nextLong()));
        }
        if (r.nextInt(3) == 0) {
            p.step(new Planner.Step(Planner.Kind.CREATE_MANY, r.nextLong()));
        }
        HostTarget host = new HostTarget(dir);
        for (Op op : p.ops()) {
            op.apply(host);
        }
        return p.ops();
    }

    /** What a run gives the test: the operations (for messages) and what went wrong. */
    public record Outcome(ExtVariant variant, List<Op> ops, List<String> problems, String setup) {
        public boolean ok() {
            return problems.isEmpty();
        }

        public String report() {
            StringBuilder sb = new StringBuilder();
            sb.append("ext writer on ").append(variant).append(" (").append(setup).append("), ")
                    .append(ops.size()).append(" operations:\n");
            String list = Checks.describe(ops);
            if (ops.size() > 120) {
                try {
                    Path f = Files.createTempFile("ext-writer-ops-", ".txt");
                    Files.writeString(f, list, StandardCharsets.UTF_8);
                    sb.append("  (the full list is in ").append(f).append(")\n");
                } catch (IOException e) {
                    // the shortened list below still helps
                }
                String[] lines = list.split("\n");
                for (int i = 0; i < lines.length; i++) {
                    if (i < 40 || i >= lines.length - 60) {
                        sb.append(lines[i]).append('\n');
                    } else if (i == 40) {
                        sb.append("  ...\n");
                    }
                }
            } else {
                sb.append(list);
            }
            for (String p : problems) {
                sb.append("PROBLEM: ").append(p).append('\n');
            }
            return sb.toString();
        }
    }

    /**
     * Makes an image of {@code variant} (populated from a random host tree of {@code treeSeed} when it is not
     * null), plans {@code steps} on the model of it, runs them through the writer, and asks the oracles.
     */
    public static Outcome run(Path work, ExtVariant variant, Long treeSeed, List<Planner.Step> steps, boolean kernel)
            throws IOException {
        Path img = work.resolve("w.img");
        String setup = "empty";
        if (treeSeed != null) {
            Path src = work.resolve("src");
            Files.createDirectories(src);
            List<Op> tree = randomHostTree(src, treeSeed, variant.blockSize(), variant.sizeMiB() * (1L << 20) / 8);
            ExtImageFactory.make(img, variant, src);
            setup = "mke2fs -d of a random tree (seed " + treeSeed + ", " + tree.size() + " operations)";
        } else {
            ExtImageFactory.make(img, variant);
        }
        Map<String, byte[]> contents = new HashMap<>();
        Tree initial = ReaderTree.read(img, contents);
        ModelFs model = ModelFs.of(initial, contents);
        Planner planner = new Planner(model, variant.blockSize(), variant.sizeMiB() * (1L << 20) / 4);
        List<Op> ops = planner.plan(steps);
        Tree expected = model.snapshot();
        List<String> problems = new ArrayList<>();
        int done = 0;
        Instant start = Instant.now();
        try (WriterTarget w = new WriterTarget(img)) {
            for (Op op : ops) {
                op.apply(w);
                done++;
            }
            Checks.compare("the writer's own view before close", expected, () -> ReaderTree.read(w.fs()), problems);
        } catch (Exception | AssertionError e) {
            problems.add(done < ops.size()
                    ? "operation #" + done + " (" + ops.get(done) + ") throws " + stack(e)
                    : "closing the writer throws " + stack(e));
            return new Outcome(variant, ops, problems, setup);
        }
        problems.addAll(Checks.image(img, expected, work, kernel));
        if (!problems.isEmpty()) {
            Path keep = Files.createTempFile("ext-writer-failed-" + variant + "-", ".img");
            Files.copy(img, keep, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            problems.add("the image is kept as " + keep + " (written in "
                    + java.time.Duration.between(start, Instant.now()).toMillis() + " ms)");
        }
        return new Outcome(variant, ops, problems, setup);
    }

    static String stack(Throwable e) {
        StringBuilder sb = new StringBuilder(e.toString());
        StackTraceElement[] st = e.getStackTrace();
        for (int i = 0; i < Math.min(8, st.length); i++) {
            sb.append("\n      at ").append(st[i]);
        }
        if (e.getCause() != null && e.getCause() != e) {
            sb.append("\n    caused by ").append(stack(e.getCause()));
        }
        return sb.toString();
    }
}
