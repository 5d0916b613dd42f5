package dev.platter.format.qcow2;

import dev.platter.core.image.CreateOptions;
import dev.platter.testdata.RequiresTool;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** platter's qcow2 create writes the same bytes as qemu-img create. */
@RequiresTool("qemu-img")
class Qcow2CreateMatchesQemuTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {
        "1G", "0", "1000", "64M|compat=0.10", "5M|cluster_size=512", "100M|cluster_size=2M",
        "1G|cluster_size=4k,refcount_bits=64", "1G|refcount_bits=1", "1G|extended_l2=on,cluster_size=128k",
        "1G|compression_type=zstd", "1G|lazy_refcounts=on", "10M|preallocation=metadata",
        "3G|cluster_size=16k,refcount_bits=2,extended_l2=on", "16M|cluster_size=8k",
        "20M|cluster_size=512,refcount_bits=64",
    })
    void sameBytes(String spec) throws Exception {
        String[] parts = spec.split("\\|");
        String size = parts[0];
        String opts = parts.length > 1 ? parts[1] : "";
        Path ours = dir.resolve("ours.qcow2");
        Path theirs = dir.resolve("theirs.qcow2");
        List<String> cmd = new ArrayList<>(List.of("create", "-q", "-f", "qcow2"));
        if (!opts.isEmpty()) {
            cmd.add("-o");
            cmd.add(opts);
        }
        cmd.add(theirs.toString());
        cmd.add(size);
        Qemu.img(cmd.toArray(new String[0])).ok();
        new Qcow2Format().create(ours, dev.platter.core.Sizes.parse(size),
                CreateOptions.of(CreateOptions.parseList(opts)));
        Qemu.assertClean(ours);
        assertArrayEquals(Files.readAllBytes(theirs), Files.readAllBytes(ours), spec);
    }
}
