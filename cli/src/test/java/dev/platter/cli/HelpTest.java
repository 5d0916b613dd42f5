package dev.platter.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every command answers --help with its usage and exit status 0. */
class HelpTest {
    @ParameterizedTest
    @ValueSource(strings = {"create", "info", "convert", "map", "compare", "measure", "dd", "rebase", "commit",
            "check", "snapshot", "resize", "amend", "filesystems", "df", "ls", "cat", "copy-out", "tar-out",
            "inspector", "libvirt", "copy-in", "tar-in", "mkdir", "write", "rm", "ln", "chmod", "chown", "touch",
            "edit", "customize", "sysprep"})
    void helpPrintsUsage(String command) {
        Cli.Result r = Cli.run(command, "--help");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("Usage: platter " + command), r.out());
    }
}
