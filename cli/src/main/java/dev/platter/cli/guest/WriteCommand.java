package dev.platter.cli.guest;

import dev.platter.inspect.fs.WritableFileSystem.Attributes;
import dev.platter.inspect.guest.Guest;
import dev.platter.inspect.guest.Mounts;
import dev.platter.inspect.ops.GuestWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * {@code platter write}: guestfish write with its content from stdin. An existing file keeps its inode, owner and
 * mode (its contents are replaced in one crash-atomic step); a new one is 0644 root:root. Symlinks are followed.
 */
@Command(name = "write", sortOptions = false, description = "Write stdin to a file in a guest "
        + "(like guestfish write / upload - FILE).")
public final class WriteCommand extends GuestWriteCommand {
    @Parameters(index = "0", paramLabel = "REMOTE", description = "The guest file to write.")
    String remote;

    private Path spool;

    @Override
    void check() throws IOException {
        if (guest.readsKeysFromStdin()) {
            throw new IOException("the content is read from stdin: give the LUKS passphrases with --key, not"
                    + " --keys-from-stdin");
        }
        // The size must be known before the file is written: stdin is read whole first, before the guest opens.
        spool = Files.createTempFile("platter-write", ".tmp");
        spool.toFile().deleteOnExit();
        Files.copy(System.in, spool, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    void write(Guest g, Mounts m, PrintWriter err) throws IOException {
        try (InputStream in = Files.newInputStream(spool)) {
            new GuestWriter(m).writeFile(GuestWriter.bytes(remote), in, Files.size(spool),
                    Attributes.of(GuestWriter.FILE_MODE));
        } finally {
            Files.deleteIfExists(spool);
        }
    }
}
