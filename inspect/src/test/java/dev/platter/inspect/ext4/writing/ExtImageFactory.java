package dev.platter.inspect.ext4.writing;

import dev.platter.testdata.Tool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Makes ext images with mke2fs for the writer's tests: empty, or populated from a host folder ({@code mke2fs -d}),
 * and checks that what mke2fs made is clean before a test writes into it.
 */
public final class ExtImageFactory {
    /** The tools the harness runs; tests declare them with {@code @RequiresTool}. */
    public static final String[] TOOLS = {"mke2fs", "e2fsck", "debugfs"};

    private ExtImageFactory() {
    }

    /** An empty filesystem of {@code variant} at {@code image} (replaced if it exists). */
    public static Path make(Path image, ExtVariant variant) throws IOException {
        return make(image, variant, null);
    }

    /**
     * A filesystem of {@code variant} at {@code image}, holding a copy of the host folder {@code from} (its names,
     * modes, owners, times, contents with their holes, symbolic and hard links) when it is not null.
     */
    public static Path make(Path image, ExtVariant variant, Path from) throws IOException {
        Files.deleteIfExists(image);
        Tool.Result r = Tool.run(null, Map.of("E2FSPROGS_FAKE_TIME", "1764000000"),
                variant.mkfsCommand(image.toString(), from == null ? null : from.toString()).toArray(new String[0]));
        if (r.exitCode() != 0) {
            throw new AssertionError(variant + ": mke2fs failed (exit " + r.exitCode() + "):\n" + r.stdout()
                    + r.stderr());
        }
        E2fsck.Result check = E2fsck.check(image);
        if (!check.clean()) {
            throw new AssertionError(variant + ": the image mke2fs made is not clean:\n" + check);
        }
        return image;
    }
}
