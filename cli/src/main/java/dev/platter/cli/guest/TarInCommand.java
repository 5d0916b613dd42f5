package dev.platter.cli.guest;

import dev.platter.inspect.guest.Guest;
import dev.platter.inspect.guest.Mounts;
import dev.platter.inspect.ops.TarIn;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code platter tar-in}: virt-tar-in (guestfish tar-in). A tarball, compressed or not, unpacked into a guest dir. */
@Command(name = "tar-in", sortOptions = false, description = "Unpack a tarball into a guest directory "
        + "(like virt-tar-in).")
public final class TarInCommand extends GuestWriteCommand {
    @Option(names = "--compress", paramLabel = "TYPE", description = "The tarball's compression: none, gzip, bzip2,"
            + " xz, zstd or compress (default: detected from its first bytes).")
    String compress;

    @Parameters(index = "0", paramLabel = "TARBALL", description = "The tarball, or - for stdin.")
    String tarball;

    @Parameters(index = "1", paramLabel = "REMOTEDIR", description = "The guest directory to unpack it into.")
    String dir;

    private TarIn.Compression compression;

    @Override
    void check() throws IOException {
        compression = compress == null ? null : TarIn.Compression.of(compress);
        if (tarball.equals("-") && guest.readsKeysFromStdin()) {
            throw new IOException("the tarball is read from stdin: give the LUKS passphrases with --key, not"
                    + " --keys-from-stdin");
        }
        if (!tarball.equals("-") && !Files.isRegularFile(Path.of(tarball))) {
            throw new IOException(tarball + ": No such file or directory");
        }
    }

    @Override
    void write(Guest g, Mounts m, PrintWriter err) throws IOException {
        TarIn tar = new TarIn(m);
        try {
            if (tarball.equals("-")) {
                tar.extract(System.in, dir, compression);
            } else {
                try (InputStream in = Files.newInputStream(Path.of(tarball))) {
                    tar.extract(in, dir, compression);
                }
            }
        } finally {
            for (String w : tar.warnings()) {
                err.println("platter: warning: " + w);
            }
        }
    }
}
