package dev.platter.cli.guest;

import dev.platter.cli.Main;
import dev.platter.cli.output.Stdout;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The XFS part of the class-data-sharing training run: runs the guest commands on the kernel-made XFS fixture of
 * the source tree holding the jar (testdata/fixtures/xfs-kernel-v5.img.xz), so that the XFS driver's classes
 * (directories of every shape, btree forks, attributes, symlinks) are archived. Does nothing without the fixture.
 */
public final class XfsTraining {
    private XfsTraining() {
    }

    public static void run(Path dir) throws IOException {
        Path img = dir.resolve("xfs-train.img");
        if (!expand(img)) {
            return;
        }
        String d = img.toString();
        Stdout.capture(OutputStream.nullOutputStream());
        try {
            for (List<String> args : List.of(
                    List.of("filesystems", "-a", d, "--all", "--long"),
                    List.of("df", "-a", d),
                    List.of("ls", "-a", d, "-m", "/dev/sda", "-lR", "--checksum", "--extra-stats", "/k/sub", "/k/del"),
                    List.of("ls", "-a", d, "-m", "/dev/sda", "-l", "/k"),
                    List.of("cat", "-a", d, "-m", "/dev/sda", "/k/frag", "/k/unwritten", "/k/sym_short"))) {
                PrintWriter sink = new PrintWriter(OutputStream.nullOutputStream());
                Main.run(args.toArray(new String[0]), sink, sink);
            }
        } finally {
            Stdout.capture(null);
        }
    }

    private static boolean expand(Path target) {
        try {
            Path jar = Path.of(XfsTraining.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path xz = jar.getParent().getParent().getParent().resolve("testdata/fixtures/xfs-kernel-v5.img.xz");
            if (!Files.isRegularFile(xz)) {
                return false;
            }
            try (InputStream in = new XZCompressorInputStream(new BufferedInputStream(Files.newInputStream(xz)));
                 RandomAccessFile out = new RandomAccessFile(target.toFile(), "rw")) {
                byte[] block = new byte[65536];
                long pos = 0;
                for (int n; (n = in.readNBytes(block, 0, block.length)) > 0; pos += n) {
                    for (int i = 0; i < n; i++) {
                        if (block[i] != 0) {
                            out.seek(pos);
                            out.write(block, 0, n);
                            break;
                        }
                    }
                }
                out.setLength(pos);
            }
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
