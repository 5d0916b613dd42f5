package dev.platter.cli.guest;

import dev.platter.core.BlockDevice;
import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.fs.WritableFileSystem.Attributes;
import dev.platter.inspect.guest.Guest;
import dev.platter.inspect.guest.GuestFile;
import dev.platter.inspect.guest.Mounts;
import dev.platter.inspect.ops.GuestWriter;
import dev.platter.inspect.ops.PerlSubstitution;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;

/**
 * {@code platter edit}: virt-edit. Each file is handed to {@code $EDITOR} (default vi) as a host copy, or changed by
 * {@code -e EXPR}, virt-edit's Perl expression, of which the common {@code s///} subset is implemented
 * ({@link PerlSubstitution}). A file that comes back unchanged is not written; a changed one keeps its inode, owner,
 * mode and links (its contents are replaced in one crash-atomic step). Symlinks are followed.
 */
@Command(name = "edit", sortOptions = false, description = "Edit files in a guest (like virt-edit).")
public final class EditCommand extends GuestWriteCommand {
    /** Largest file edited (it is held in memory). */
    static final int MAX_SIZE = 256 << 20;

    @Option(names = {"-e", "--edit", "--expr"}, paramLabel = "EXPR",
            description = "Non-interactive: run this Perl s/REGEX/REPLACEMENT/FLAGS (flags g, i, m, s; several"
                    + " separated by ';') on each line.")
    String expr;

    @Option(names = {"-b", "--backup"}, paramLabel = "EXTENSION", description = "Keep the original as FILE"
            + "EXTENSION (same mode, owner and times) when the file changes.")
    String backup;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Guest files to edit.")
    List<String> files;

    private PerlSubstitution substitution;

    @Override
    void check() throws IOException {
        if (expr != null) {
            substitution = PerlSubstitution.parse(expr);
        }
    }

    @Override
    void write(Guest g, Mounts m, PrintWriter err) throws IOException {
        GuestWriter w = new GuestWriter(m);
        for (String file : files) {
            GuestFile f = m.stat(file);
            if (f.type() != FileType.REGULAR) {
                throw new IOException(file + ": not a regular file");
            }
            if (f.stat().size() > MAX_SIZE) {
                throw new IOException(file + ": larger than " + (MAX_SIZE >> 20) + " MiB, not edited");
            }
            byte[] old = new byte[(int) f.stat().size()];
            try (BlockDevice dev = m.open(f)) {
                dev.read(0, ByteBuffer.wrap(old));
            }
            byte[] edited = substitution != null ? substitution.apply(old) : editor(file, old);
            if (!Arrays.equals(old, edited)) {
                if (backup != null && !backup.isEmpty()) {
                    var st = f.stat();
                    Attributes keep = new Attributes(st.permissions(), st.uid(), st.gid(), st.atime(), st.mtime());
                    w.putFile(GuestWriter.bytes(file + backup), new java.io.ByteArrayInputStream(old), old.length,
                            keep);
                }
                w.writeFile(GuestWriter.bytes(file), edited, Attributes.of(GuestWriter.FILE_MODE));
            }
        }
    }

    /** The file after $EDITOR (default vi) ran on a private host copy of it. */
    private static byte[] editor(String file, byte[] content) throws IOException {
        String name = Path.of(file).getFileName() == null ? "file" : Path.of(file).getFileName().toString();
        Path dir = Files.createTempDirectory("platter-edit", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        Path tmp = dir.resolve(name.replaceAll("[^A-Za-z0-9._-]", "_"));
        try {
            Files.write(tmp, content);
            String editor = System.getenv().getOrDefault("EDITOR", "");
            if (editor.isBlank()) {
                editor = "vi";
            }
            Process p = new ProcessBuilder("/bin/sh", "-c", editor + " \"$1\"", "sh", tmp.toString())
                    .inheritIO().start();
            int rc;
            try {
                rc = p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroy();
                throw new IOException("interrupted while the editor ran");
            }
            if (rc != 0) {
                throw new IOException("the editor (" + editor + ") exited with status " + rc + "; " + file
                        + " not changed");
            }
            return Files.readAllBytes(tmp);
        } finally {
            Files.deleteIfExists(tmp);
            Files.deleteIfExists(dir);
        }
    }
}
