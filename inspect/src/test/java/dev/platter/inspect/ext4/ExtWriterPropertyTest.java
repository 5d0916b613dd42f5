package dev.platter.inspect.ext4;

import dev.platter.inspect.ext4.writing.ExtVariant;
import dev.platter.inspect.ext4.writing.Planner;
import dev.platter.inspect.ext4.writing.Scenario;
import dev.platter.testdata.RequiresTool;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random operation sequences through the ext writer, on every mke2fs variant, empty or populated by mke2fs -d with a
 * random tree: files of every size (empty, inline-sized, one block, many blocks, sparse, large), replaced, appended
 * to, truncated, unlinked; directories made, emptied, removed, renamed; short and long symbolic links, hard links,
 * special files, owners, modes, times; hundreds of names in one directory (htree on dir_index filesystems), many of
 * them removed again; commits and reopenings in between. After the run: e2fsck -fn clean, and debugfs, Platter's
 * reader, the writer's own view and (as root) the kernel see exactly the model's tree.
 *
 * <p>Default: one fixed sequence per variant, then {@value #DEFAULT_TRIES} random tries; {@code
 * -Dplatter.extwriter.tries=N} asks for N random tries.
 */
@RequiresTool({"mke2fs", "e2fsck", "debugfs"})
class ExtWriterPropertyTest {
    static final int DEFAULT_TRIES = 16;

    static Stream<String> variants() {
        return ExtVariant.all().stream().map(ExtVariant::name);
    }

    /** A sequence that does a bit of everything, on each variant (empty, then populated). */
    @ParameterizedTest
    @MethodSource("variants")
    void everyKindOfOperationOnEachVariant(String name) throws Exception {
        ExtVariant v = ExtVariant.named(name);
        Random r = new Random(name.hashCode());
        List<Planner.Step> steps = new ArrayList<>();
        for (Planner.Kind k : Planner.Kind.values()) {
            steps.add(new Planner.Step(k, r.nextLong()));
        }
        for (int i = 0; i < 40; i++) {
            Planner.Kind k = Planner.Kind.values()[r.nextInt(Planner.Kind.values().length)];
            steps.add(new Planner.Step(k == Planner.Kind.CREATE_MANY ? Planner.Kind.CREATE : k, r.nextLong()));
        }
        steps.add(new Planner.Step(Planner.Kind.UNLINK_MANY, r.nextLong()));
        List<String> failures = new ArrayList<>();
        for (Long tree : new Long[] {null, 7L}) {
            Path work = Files.createTempDirectory("ext-writer-");
            try {
                Scenario.Outcome o = Scenario.run(work, v, tree, steps, true);
                if (!o.ok()) {
                    failures.add(o.report());
                }
            } finally {
                new ProcessBuilder("rm", "-rf", work.toString()).start().waitFor();
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n\n", failures));
    }

    @Provide
    Arbitrary<List<Planner.Step>> steps() {
        Arbitrary<Planner.Kind> kind = Arbitraries.frequency(
                Tuple.of(10, Planner.Kind.CREATE), Tuple.of(3, Planner.Kind.MKDIR), Tuple.of(3, Planner.Kind.REPLACE),
                Tuple.of(2, Planner.Kind.APPEND), Tuple.of(2, Planner.Kind.TRUNCATE), Tuple.of(4, Planner.Kind.UNLINK),
                Tuple.of(2, Planner.Kind.RMDIR), Tuple.of(4, Planner.Kind.RENAME), Tuple.of(2, Planner.Kind.SYMLINK),
                Tuple.of(2, Planner.Kind.LINK), Tuple.of(1, Planner.Kind.MKNOD), Tuple.of(1, Planner.Kind.CHMOD),
                Tuple.of(1, Planner.Kind.CHOWN), Tuple.of(1, Planner.Kind.SET_TIMES),
                Tuple.of(1, Planner.Kind.CREATE_MANY), Tuple.of(1, Planner.Kind.UNLINK_MANY),
                Tuple.of(2, Planner.Kind.COMMIT), Tuple.of(1, Planner.Kind.REOPEN));
        return kind.flatMap(k -> Arbitraries.longs().map(s -> new Planner.Step(k, s))).list().ofMinSize(1)
                .ofMaxSize(40);
    }

    @Provide
    Arbitrary<String> variantNames() {
        return Arbitraries.of(variants().toList());
    }

    @Property(tries = DEFAULT_TRIES, shrinking = ShrinkingMode.BOUNDED)
    @AddLifecycleHook(TriesFromSystemProperty.class)
    void randomSequencesLeaveWhatTheModelSays(@ForAll("variantNames") String name, @ForAll boolean populated,
                                              @ForAll("steps") List<Planner.Step> steps) throws Exception {
        Path work = Files.createTempDirectory("ext-writer-");
        try {
            Scenario.Outcome o = Scenario.run(work, ExtVariant.named(name), populated ? (long) steps.size() : null,
                    steps, true);
            assertTrue(o.ok(), () -> "steps " + steps + "\n" + o.report());
        } finally {
            new ProcessBuilder("rm", "-rf", work.toString()).start().waitFor();
        }
    }

    /** -Dplatter.extwriter.tries=N: more (or fewer) random tries than the default. */
    public static final class TriesFromSystemProperty implements AroundPropertyHook {
        @Override
        public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
            String tries = System.getProperty("platter.extwriter.tries");
            if (tries != null) {
                context.attributes().setTries(Integer.parseInt(tries));
            }
            return property.execute();
        }
    }
}
