package dev.platter.cli;

import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fixed VHD is raw to qemu-img's probe but carries a VHD footer: under {@code --untrusted} its {@code .vhd} name
 * is no conflict (it opens as raw, as qemu-img opens it, or as vpc when pinned), and {@code check --safety} finds
 * nothing wrong with it either way.
 */
@RequiresTool("qemu-img")
class VpcUntrustedTest {
    @TempDir
    Path dir;

    @Test
    void aFixedVhdIsNoNameOrPinConflict() {
        String f = dir.resolve("fixed.vhd").toString();
        Tool.run("qemu-img", "create", "-q", "-f", "vpc", "-o", "subformat=fixed", f, "4M").ok();
        Cli.Result probed = Cli.run("info", "--untrusted", f);
        assertEquals(0, probed.exit(), probed.err());
        assertTrue(probed.out().contains("file format: raw"), probed.out());
        Cli.Result pinned = Cli.run("info", "--untrusted", "-f", "vpc", f);
        assertEquals(0, pinned.exit(), pinned.err());
        assertTrue(pinned.out().contains("file format: vpc"), pinned.out());
        Cli.Result safety = Cli.run("check", "--safety", f);
        assertEquals(0, safety.exit(), safety.out() + safety.err());
        Cli.Result safetyPinned = Cli.run("check", "--safety", "-f", "vpc", f);
        assertEquals(0, safetyPinned.exit(), safetyPinned.out() + safetyPinned.err());
    }

    @Test
    void aDynamicVhdIsSafe() {
        String f = dir.resolve("dynamic.vhd").toString();
        Tool.run("qemu-img", "create", "-q", "-f", "vpc", f, "4M").ok();
        Cli.Result safety = Cli.run("check", "--safety", f);
        assertEquals(0, safety.exit(), safety.out() + safety.err());
        Cli.Result info = Cli.run("info", "--untrusted", f);
        assertEquals(0, info.exit(), info.err());
    }
}
