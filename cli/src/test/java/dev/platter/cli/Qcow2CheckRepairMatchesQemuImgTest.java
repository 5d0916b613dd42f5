package dev.platter.cli;

import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * check and check -r on damaged images (leaked clusters, a dirty lazy-refcount image, a wrong COPIED flag, wrong
 * refcounts): the same messages, summary, JSON and exit status as qemu-img, and a repaired image that qemu-img
 * finds clean.
 */
@RequiresTool({"qemu-img", "qemu-io"})
class Qcow2CheckRepairMatchesQemuImgTest {
    @TempDir
    Path dir;

    /** A fresh 64 MiB image: L1 at 0x30000, the first L2 table at 0x40000, data from 0x50000. */
    private Path damaged(String kind) throws Exception {
        Path img = dir.resolve(kind + ".qcow2");
        String opts = kind.equals("dirty") ? "lazy_refcounts=on" : "lazy_refcounts=off";
        Tool.run("qemu-img", "create", "-q", "-f", "qcow2", "-o", opts, img.toString(), "64M").ok();
        if (kind.equals("dirty")) {
            Tool.run("qemu-io", "-c", "write -P 1 0 1M", "-c", "abort", img.toString());
            return img;
        }
        Tool.run("qemu-io", "-c", "write -P 1 0 64k", "-c", "write -P 2 1M 64k", "-c", "write -P 3 2M 64k",
                img.toString()).ok();
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            switch (kind) {
                case "leak" -> { // forget guest cluster 16: its data cluster leaks
                    f.seek(0x40000 + 16 * 8);
                    f.writeLong(0);
                }
                case "copied" -> { // clear COPIED on guest cluster 0
                    f.seek(0x40000);
                    long e = f.readLong();
                    f.seek(0x40000);
                    f.writeLong(e & ~(1L << 63));
                }
                case "refcount2" -> { // data cluster 5 counted twice
                    f.seek(0x20000 + 5 * 2);
                    f.writeShort(2);
                }
                case "refcount0" -> { // data cluster 6 not counted
                    f.seek(0x20000 + 6 * 2);
                    f.writeShort(0);
                }
                default -> throw new IllegalArgumentException(kind);
            }
        }
        return img;
    }

    @ParameterizedTest
    @CsvSource({
        "leak,", "leak,leaks", "leak,all", "dirty,", "dirty,leaks", "dirty,all", "copied,", "copied,all",
        "refcount2,", "refcount2,leaks", "refcount0,", "refcount0,leaks", "refcount0,all",
    })
    void sameAsQemuImg(String kind, String repair) throws Exception {
        for (String output : List.of("human", "json")) {
            Path theirs = dir.resolve("theirs.qcow2");
            Path ours = dir.resolve("ours.qcow2");
            Path original = damaged(kind);
            Files.copy(original, theirs, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.copy(original, ours, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            List<String> args = new ArrayList<>(List.of("check", "--output=" + output));
            if (repair != null) {
                args.add("-r");
                args.add(repair);
            }
            List<String> q = new ArrayList<>(List.of("qemu-img"));
            q.addAll(args);
            q.add(theirs.toString());
            Tool.Result qemu = Tool.run(q.toArray(new String[0]));
            args.add(ours.toString());
            Cli.Result platter = Cli.run(args.toArray(new String[0]));
            String what = kind + " -r " + repair + " " + output;
            assertEquals(qemu.exitCode(), platter.exit(), what + "\n" + platter.err());
            assertEquals(qemu.stdout().replace(theirs.toString(), "IMG"), platter.out().replace(ours.toString(), "IMG"),
                    what);
            assertEquals(qemu.stderr().replace("qemu-img: ", ""), platter.err().replace("platter: ", ""), what);
            // Whatever was repaired, qemu-img now sees both images alike.
            Tool.Result after = Tool.run("qemu-img", "check", "--output=json", ours.toString());
            Tool.Result afterQemu = Tool.run("qemu-img", "check", "--output=json", theirs.toString());
            assertEquals(afterQemu.exitCode(), after.exitCode(), what + " afterwards\n" + after.stderr());
            assertEquals(afterQemu.stdout().replace(theirs.toString(), "IMG"),
                    after.stdout().replace(ours.toString(), "IMG"), what + " afterwards");
        }
    }
}
