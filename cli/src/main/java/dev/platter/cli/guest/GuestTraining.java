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
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The guest commands' part of the class-data-sharing training run: runs them on the bundled sample disk (found
 * next to the jar in a source tree) so that the volume, LVM, guest and filesystem classes are archived too.
 * Without the sample disk, a blank partitioned disk still trains the volume and guest layers.
 */
public final class GuestTraining {
    private GuestTraining() {
    }

    /** Runs the guest commands (reading, then writing) on scratch files in {@code dir}; prints nothing. */
    public static void run(Path dir) throws IOException {
        Path disk = dir.resolve("sample-disk.raw");
        if (!expandSample(disk)) {
            try (RandomAccessFile f = new RandomAccessFile(disk.toFile(), "rw")) {
                f.setLength(8 << 20);
                byte[] mbr = new byte[512];
                mbr[0x1BE + 4] = (byte) 0x83;
                mbr[0x1BE + 8] = 8;
                mbr[0x1BE + 12] = 0x40;
                mbr[510] = 0x55;
                mbr[511] = (byte) 0xAA;
                f.write(mbr);
            }
        }
        String d = disk.toString();
        Path out = Files.createDirectory(dir.resolve("copy"));
        Stdout.capture(OutputStream.nullOutputStream());
        try {
            for (List<String> args : List.of(
                    List.of("filesystems", "-a", d, "--all", "--long", "-h"),
                    List.of("df", "-a", d, "-h"),
                    List.of("ls", "-a", d, "-l", "/"),
                    List.of("ls", "-a", d, "-lR", "--checksum", "--uids", "--times", "--extra-stats", "/etc"),
                    List.of("cat", "-a", d, "/etc/os-release"),
                    List.of("inspector", "-a", d),
                    List.of("copy-out", "-a", d, "/etc", out.toString()),
                    List.of("tar-out", "-a", d, "/etc", dir.resolve("etc.tar").toString()),
                    // The writing commands, on this scratch copy: the ext writer and the journal are archived too.
                    List.of("copy-in", "-a", d, out.toString(), "/tmp"),
                    List.of("customize", "-a", d, "--hostname", "training", "--write", "/etc/motd:hello"),
                    List.of("sysprep", "-a", d, "--hostname", "training"),
                    List.of("rm", "-a", d, "-r", "/tmp/copy"))) {
                PrintWriter sink = new PrintWriter(OutputStream.nullOutputStream());
                Main.run(args.toArray(new String[0]), sink, sink);
            }
        } finally {
            Stdout.capture(null);
        }
    }

    /** Expands testdata/fixtures/sample-disk.raw.xz of the source tree holding this jar, sparsely. */
    private static boolean expandSample(Path target) {
        try {
            Path jar = Path.of(GuestTraining.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path root = jar.getParent().getParent().getParent();
            Path xz = root.resolve("testdata/fixtures/sample-disk.raw.xz");
            if (!Files.isRegularFile(xz)) {
                return false;
            }
            try (InputStream in = new XZCompressorInputStream(new BufferedInputStream(Files.newInputStream(xz)));
                 FileChannel ch = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                byte[] block = new byte[65536];
                long pos = 0;
                int n;
                while ((n = in.readNBytes(block, 0, block.length)) > 0) {
                    if (!zero(block, n)) {
                        ch.write(ByteBuffer.wrap(block, 0, n), pos);
                    }
                    pos += n;
                }
                ch.close();
                try (RandomAccessFile f = new RandomAccessFile(target.toFile(), "rw")) {
                    f.setLength(pos);
                }
            }
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean zero(byte[] b, int n) {
        for (int i = 0; i < n; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
