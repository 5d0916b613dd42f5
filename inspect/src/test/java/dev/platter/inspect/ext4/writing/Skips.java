package dev.platter.inspect.ext4.writing;

/**
 * A part of a test that cannot run here (no root for the kernel oracle ...): skipped with a visible line on stderr,
 * or a failure under PLATTER_REQUIRE_TOOLS=1 (CI), where nothing may skip unnoticed.
 */
public final class Skips {
    private Skips() {
    }

    public static void visibly(String what, String reason) {
        if ("1".equals(System.getenv("PLATTER_REQUIRE_TOOLS"))) {
            throw new AssertionError(what + ": " + reason + "; PLATTER_REQUIRE_TOOLS=1 forbids skipping");
        }
        System.err.println("SKIPPED " + what + ": " + reason);
    }
}
