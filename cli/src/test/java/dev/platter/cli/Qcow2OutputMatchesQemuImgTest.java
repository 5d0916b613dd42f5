package dev.platter.cli;

import dev.platter.testdata.Qcow2MatrixConfig;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * info (human, JSON, --backing-chain), check (human, JSON) and snapshot -l print exactly what qemu-img prints, on
 * images of every cluster size, compat, refcount width, extended L2 and compression type, written by qemu-img or
 * by Platter, with backing chains, snapshots and bitmaps.
 */
@RequiresTool({"qemu-img", "qemu-io"})
class Qcow2OutputMatchesQemuImgTest {
    /** The pairwise sample of the matrix (every value of every axis with every other), plus lazy refcounts. */
    static final List<String> CONFIGS = configs();

    private static List<String> configs() {
        List<String> out = new ArrayList<>();
        for (Qcow2MatrixConfig c : Qcow2MatrixConfig.pairwise()) {
            out.add(c.options());
        }
        out.add("cluster_size=16384,refcount_bits=16,compression_type=zlib,lazy_refcounts=on");
        return out;
    }

    @TempDir
    static Path dir;

    static List<String> images() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < CONFIGS.size(); i++) {
            out.add("qemu-" + i);
            out.add("platter-" + i);
        }
        return out;
    }

    @BeforeAll
    static void makeImages() throws Exception {
        for (int i = 0; i < CONFIGS.size(); i++) {
            String opts = CONFIGS.get(i);
            boolean v3 = !opts.contains("compat=0.10");
            boolean snapshots = !opts.matches(".*refcount_bits=1(,.*|$)");
            boolean compressed = true;
            for (String who : List.of("qemu", "platter")) {
                String base = dir.resolve(who + "-" + i + "-base.qcow2").toString();
                String top = dir.resolve(who + "-" + i + ".qcow2").toString();
                if (who.equals("qemu")) {
                    Tool.run("qemu-img", "create", "-q", "-f", "qcow2", "-o", opts, base, "16M").ok();
                    Tool.run("qemu-img", "create", "-q", "-f", "qcow2", "-o", opts, "-b",
                            Path.of(base).getFileName().toString(), "-F", "qcow2", top).ok();
                } else {
                    assertEquals(0, Cli.run("create", "-q", "-f", "qcow2", "-o", opts, base, "16M").exit());
                    Cli.Result r = Cli.run("create", "-q", "-f", "qcow2", "-o", opts, "-b",
                            Path.of(base).getFileName().toString(), "-F", "qcow2", top);
                    assertEquals(0, r.exit(), r.err());
                }
                List<String> baseOps = new ArrayList<>(List.of("write -P 1 0 1M", "write -z 2M 1M"));
                if (compressed) {
                    baseOps.add("write -c -P 9 8M 2M");
                }
                qemuIo(base, baseOps);
                qemuIo(top, List.of("write -P 2 512k 128k", "write -P 3 4M 64k"));
                if (snapshots) {
                    snapshot(who, top, "snap1");
                    snapshot(who, top, "a-much-longer-snapshot-name");
                }
                if (v3 && snapshots) {
                    Tool.run("qemu-img", "bitmap", "--add", top, "bm0").ok();
                    Tool.run("qemu-img", "bitmap", "--add", "--disable", "-g", "512", top, "bm1").ok();
                }
                qemuIo(top, List.of("write -P 4 6M 3000"));
            }
        }
    }

    private static void qemuIo(String image, List<String> ops) {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", "qcow2"));
        for (String op : ops) {
            cmd.add("-c");
            cmd.add(op);
        }
        cmd.add(image);
        Tool.run(cmd.toArray(new String[0])).ok();
    }

    private static void snapshot(String who, String image, String name) {
        if (who.equals("qemu")) {
            Tool.run("qemu-img", "snapshot", "-c", name, image).ok();
        } else {
            Cli.Result r = Cli.run("snapshot", "-c", name, image);
            assertEquals(0, r.exit(), r.err());
        }
    }

    private static void same(String... args) {
        String[] q = new String[args.length + 1];
        q[0] = "qemu-img";
        System.arraycopy(args, 0, q, 1, args.length);
        Tool.Result qemu = Tool.run(Path.of("/"), Map.of("TZ", "UTC"), q);
        Cli.Result ours = Cli.run(args);
        assertEquals(qemu.exitCode(), ours.exit(), String.join(" ", args) + "\n" + ours.err() + qemu.stderr());
        assertEquals(qemu.stdout(), ours.out(), String.join(" ", args));
    }

    @ParameterizedTest
    @MethodSource("images")
    void info(String name) {
        String top = dir.resolve(name + ".qcow2").toString();
        String base = dir.resolve(name + "-base.qcow2").toString();
        java.util.TimeZone saved = java.util.TimeZone.getDefault();
        java.util.TimeZone.setDefault(java.util.TimeZone.getTimeZone("UTC"));
        try {
            same("info", top);
            same("info", "--output=json", top);
            same("info", "--backing-chain", top);
            same("info", "--output=json", "--backing-chain", top);
            same("info", base);
            same("snapshot", "-l", top);
        } finally {
            java.util.TimeZone.setDefault(saved);
        }
    }

    @ParameterizedTest
    @MethodSource("images")
    void check(String name) {
        String top = dir.resolve(name + ".qcow2").toString();
        String base = dir.resolve(name + "-base.qcow2").toString();
        same("check", top);
        same("check", "--output=json", top);
        same("check", "--output=json", base);
    }

    @Test
    void createLines() throws Exception {
        for (String opts : CONFIGS) {
            Path q = dir.resolve("cq.qcow2");
            Path p = dir.resolve("cp.qcow2");
            Tool.Result qemu = Tool.run("qemu-img", "create", "-f", "qcow2", "-o", opts, q.toString(), "1G").ok();
            Cli.Result ours = Cli.run("create", "-f", "qcow2", "-o", opts, p.toString(), "1G");
            assertEquals(qemu.stdout().replace(q.toString(), "X"), ours.out().replace(p.toString(), "X"));
            assertEquals(-1, Files.mismatch(q, p), opts);
        }
    }
}
