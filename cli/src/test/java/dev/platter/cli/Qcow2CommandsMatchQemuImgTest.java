package dev.platter.cli;

import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * create (options, defaults, messages), resize, amend and snapshot -c/-a/-d behave like qemu-img: same output,
 * same message (one line, "platter:" instead of "qemu-img:"), same exit status, and an image that qemu-img checks
 * clean and that compares equal to the one qemu-img made.
 */
@RequiresTool({"qemu-img", "qemu-io"})
class Qcow2CommandsMatchQemuImgTest {
    @TempDir
    Path dir;

    /** Runs the same command line with both tools, on copies of the same image where {@code IMG} appears. */
    private void same(String line, Path image) throws Exception {
        Path theirs = dir.resolve("theirs.qcow2");
        Path ours = dir.resolve("ours.qcow2");
        Files.deleteIfExists(theirs);
        Files.deleteIfExists(ours);
        if (image != null) {
            Files.copy(image, theirs, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(image, ours, StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> q = new ArrayList<>(List.of("qemu-img"));
        List<String> p = new ArrayList<>();
        for (String a : line.split(" ")) {
            q.add(a.equals("IMG") ? theirs.toString() : a);
            p.add(a.equals("IMG") ? ours.toString() : a);
        }
        Tool.Result qemu = Tool.run(dir, q.toArray(new String[0]));
        Cli.Result platter = Cli.run(p.toArray(new String[0]));
        String qerr = qemu.stderr().replace(theirs.toString(), "IMG").replace("qemu-img: ", "").replace("\n", " ").trim();
        String perr = platter.err().replace(ours.toString(), "IMG").replace("platter: ", "").replace("\n", " ").trim();
        qerr = qerr.replace(" Try 'qemu-img --help' for more information", "");
        assertEquals(qemu.exitCode(), platter.exit(), line + "\n" + platter.err() + "\nqemu: " + qemu.stderr());
        assertEquals(qemu.stdout().replace(theirs.toString(), "IMG"), platter.out().replace(ours.toString(), "IMG"),
                line);
        assertEquals(qerr, perr, line);
        assertEquals(Files.exists(theirs), Files.exists(ours), line + ": file created?");
        if (Files.exists(theirs) && qemu.exitCode() == 0 && !line.contains("nonexist")) {
            Tool.Result check = Tool.run("qemu-img", "check", ours.toString());
            assertEquals(0, check.exitCode(), line + ": " + check.stdout() + check.stderr());
            assertEquals(info(theirs), info(ours), line + ": info");
            Tool.Result cmp = Tool.run("qemu-img", "compare", theirs.toString(), ours.toString());
            assertEquals("Images are identical.\n", cmp.stdout(), line + ": " + cmp.stderr());
        }
    }

    /** qemu-img info JSON minus the things that differ between two copies (name, disk usage). */
    private static String info(Path p) {
        String json = Tool.run("qemu-img", "info", "--output=json", "-U", p.toString()).ok().stdout();
        return json.replace(p.toString(), "IMG").replaceAll("\"actual-size\": \\d+", "").replaceAll(
                "\"date-(sec|nsec)\": \\d+", "");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "create -f qcow2 IMG 1G", "create -f qcow2 IMG 1000", "create -f qcow2 -o compat=0.10 IMG 64M",
        "create -f qcow2 -o compat=v3,preallocation=metadata IMG 10M",
        "create -f qcow2 -o cluster_size=4k,refcount_bits=64,extended_l2=on IMG 10M",
        "create -f qcow2 -o cluster_size=1000 IMG 1M", "create -f qcow2 -o cluster_size=4M IMG 1M",
        "create -f qcow2 -o refcount_bits=3 IMG 1M", "create -f qcow2 -o compat=0.10,refcount_bits=8 IMG 1M",
        "create -f qcow2 -o compat=0.10,lazy_refcounts=on IMG 1M",
        "create -f qcow2 -o compat=0.10,extended_l2=on IMG 1M",
        "create -f qcow2 -o compat=0.10,compression_type=zstd IMG 1M", "create -f qcow2 -o compat=2.0 IMG 1M",
        "create -f qcow2 -o compression_type=lz4 IMG 1M", "create -f qcow2 -o preallocation=xx IMG 1M",
        "create -f qcow2 -o lazy_refcounts=maybe IMG 1M", "create -f qcow2 -o foo=1 IMG 1M",
        "create -f qcow2 -o data_file_raw=on IMG 1M", "create -f qcow2 -F qcow2 IMG 1M",
        "create -f qcow2 IMG 1E", "create -f qcow2 -o cluster_size=512 IMG 1T", "create -f qcow2 IMG 0x1001",
        "create -f qcow2 -o size=2M IMG", "create -f qcow2 IMG", "create -q -f qcow2 IMG 1M",
        "create -f qcow2 -o preallocation=full,cluster_size=8k IMG 3M",
        "create -f qcow2 -o preallocation=falloc IMG 3M",
    })
    void create(String line) throws Exception {
        same(line, null);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "create -f qcow2 -b base.qcow2 -F qcow2 IMG", "create -f qcow2 -b base.qcow2 IMG",
        "create -f qcow2 -b base.qcow2 -F raw IMG", "create -f qcow2 -b nonexist -F qcow2 IMG",
        "create -f qcow2 -u -b nonexist -F qcow2 IMG 1M", "create -f qcow2 -u -b nonexist -F qcow2 IMG",
        "create -f qcow2 -b base.qcow2 -F qcow2 -o cluster_size=512 IMG 5M",
        "create -f qcow2 -b base.qcow2 -F qcow2 -o preallocation=metadata IMG",
        "create -f qcow2 -b base.qcow2 -F qcow2 -o preallocation=metadata,extended_l2=on IMG",
    })
    void createWithBacking(String line) throws Exception {
        Tool.run("qemu-img", "create", "-q", "-f", "qcow2", dir.resolve("base.qcow2").toString(), "4M").ok();
        same(line, null);
    }

    private Path image(String options) {
        Path img = dir.resolve("src-" + Math.abs(options.hashCode()) + ".qcow2");
        List<String> cmd = new ArrayList<>(List.of("qemu-img", "create", "-q", "-f", "qcow2"));
        if (!options.isEmpty()) {
            cmd.addAll(List.of("-o", options));
        }
        cmd.add(img.toString());
        cmd.add("4M");
        Tool.run(cmd.toArray(new String[0])).ok();
        Tool.run("qemu-io", "-c", "write -P 1 0 1M", "-c", "write -z 2M 64k", "-c", "write -P 2 3M 65000",
                img.toString()).ok();
        return img;
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "|resize IMG 8M", "|resize IMG +1M", "|resize IMG -- -1M", "|resize --shrink IMG -- -1M",
        "|resize IMG 1000", "|resize --shrink IMG 1000", "|resize IMG 4194305", "|resize --shrink IMG 3M",
        "|resize IMG 1E", "|resize IMG +0", "|resize -q IMG 6M", "|resize IMG abc",
        "compat=0.10|resize IMG 5M", "cluster_size=512|resize --shrink IMG 1536k",
        "extended_l2=on,cluster_size=64k|resize --shrink IMG 3200k",
    })
    void resize(String spec) throws Exception {
        String[] parts = spec.split("\\|");
        same(parts[1], image(parts[0]));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "|amend -o compat=0.10 IMG", "compat=0.10|amend -o compat=1.1 IMG", "|amend -o lazy_refcounts=on IMG",
        "lazy_refcounts=on|amend -o lazy_refcounts=off IMG", "|amend -o refcount_bits=64 IMG",
        "|amend -o refcount_bits=1 IMG", "|amend -o refcount_bits=3 IMG", "|amend -o cluster_size=4k IMG",
        "|amend -o foo=1 IMG", "|amend -o backing_file=x IMG", "|amend -o data_file=x IMG",
        "|amend -o data_file_raw=on IMG", "|amend -o compat=0.10,refcount_bits=8 IMG",
        "|amend -o compat=0.10,lazy_refcounts=on IMG", "|amend -o compat=2 IMG", "|amend IMG",
        "|amend -o size=8M IMG", "extended_l2=on|amend -o compat=0.10 IMG",
        "refcount_bits=8|amend -o compat=0.10 IMG", "|amend -o compat=0.10,refcount_bits=16 IMG",
    })
    void amend(String spec) throws Exception {
        String[] parts = spec.split("\\|");
        same(parts[1], image(parts[0]));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "snapshot -c s3 IMG", "snapshot -a s1 IMG", "snapshot -a 2 IMG", "snapshot -a nosuch IMG",
        "snapshot -d s1 IMG", "snapshot -d 1 IMG", "snapshot -d nosuch IMG", "snapshot -l IMG", "snapshot IMG",
        "snapshot -c a -d b IMG", "snapshot -q -c q IMG",
    })
    void snapshot(String line) throws Exception {
        Path img = image("");
        Tool.run("qemu-img", "snapshot", "-c", "s1", img.toString()).ok();
        Tool.run("qemu-io", "-c", "write -P 3 0 64k", img.toString()).ok();
        Tool.run("qemu-img", "snapshot", "-c", "s2", img.toString()).ok();
        Tool.run("qemu-io", "-c", "write -P 4 1M 64k", img.toString()).ok();
        java.util.TimeZone saved = java.util.TimeZone.getDefault();
        java.util.TimeZone.setDefault(java.util.TimeZone.getTimeZone(System.getenv().getOrDefault("TZ", "UTC")));
        try {
            same(line.startsWith("snapshot -c") ? line : line, img);
        } finally {
            java.util.TimeZone.setDefault(saved);
        }
        assertEquals(true, Arrays.asList(line.split(" ")).contains("IMG"));
    }
}
