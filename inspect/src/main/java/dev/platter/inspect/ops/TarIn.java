package dev.platter.inspect.ops;

import dev.platter.core.UnsupportedFeatureException;
import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.fs.WritableFileSystem.Attributes;
import dev.platter.inspect.guest.GuestFile;
import dev.platter.inspect.guest.GuestFileException;
import dev.platter.inspect.guest.Mounts;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.apache.commons.compress.compressors.z.ZCompressorInputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Unpacks a tar archive into a directory of a mounted writable guest, like guestfish's tar-in and virt-tar-in (GNU
 * tar in the appliance): directories, regular files, symlinks, hard links, FIFOs and device nodes, with their mode,
 * numeric owner and group (as {@code --numeric-owner}: the archive's user names are not looked up) and modification
 * time; directories get theirs once their entries are in. As GNU tar does, leading '/' are dropped from names (with a
 * warning), entries whose names hold ".." are skipped (with a warning), missing parent directories are made, an
 * existing directory is kept and anything else in the way is replaced. Names are the archive's bytes, unchanged.
 *
 * <p>The archive may be compressed; {@link Compression#detect} tells which from its first bytes, as tar's
 * {@code --auto-compress} and guestfish's {@code compress} option name them: gzip, bzip2, xz, zstd and compress
 * (.Z). lzop is refused by name. Paths are resolved as the guest resolves them (a symlink that was in the guest
 * before, such as {@code /lib -> usr/lib}, is followed, inside the guest), but a symlink the archive itself made is
 * never followed by a later entry: one that would pass through it is refused, so an archive cannot plant
 * {@code x -> /etc} and then write {@code x/passwd} (GNU tar defers such links for the same reason).
 */
public final class TarIn {
    /** Compression of an archive, with the magic bytes that identify it. */
    public enum Compression {
        NONE, GZIP, BZIP2, XZ, ZSTD, COMPRESS;

        /** The name guestfish's {@code compress} option gives it ("none" for none). */
        public String option() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** By guestfish's name: none, gzip, bzip2, xz, zstd, compress; lzop is refused by name. */
        public static Compression of(String name) throws IOException {
            String n = name.toLowerCase(Locale.ROOT);
            if (n.equals("lzop") || n.equals("lzma")) {
                throw new UnsupportedFeatureException(n, n + " compression is not supported (gzip, bzip2, xz, zstd"
                        + " and compress are)");
            }
            for (Compression c : values()) {
                if (c.option().equals(n)) {
                    return c;
                }
            }
            throw new IOException("unknown compression '" + name + "' (none, gzip, bzip2, xz, zstd, compress)");
        }

        /** What the stream starts with; {@code in} must support mark/reset and is left at its start. */
        public static Compression detect(InputStream in) throws IOException {
            in.mark(8);
            byte[] m = in.readNBytes(6);
            in.reset();
            if (starts(m, 0x1f, 0x8b)) {
                return GZIP;
            }
            if (starts(m, 'B', 'Z', 'h')) {
                return BZIP2;
            }
            if (starts(m, 0xfd, '7', 'z', 'X', 'Z', 0)) {
                return XZ;
            }
            if (starts(m, 0x28, 0xb5, 0x2f, 0xfd)) {
                return ZSTD;
            }
            if (starts(m, 0x1f, 0x9d)) {
                return COMPRESS;
            }
            if (starts(m, 0x89, 'L', 'Z', 'O')) {
                throw new UnsupportedFeatureException("lzop", "lzop compression is not supported (gzip, bzip2, xz,"
                        + " zstd and compress are)");
            }
            return NONE;
        }

        private static boolean starts(byte[] b, int... magic) {
            if (b.length < magic.length) {
                return false;
            }
            for (int i = 0; i < magic.length; i++) {
                if ((b[i] & 0xFF) != magic[i]) {
                    return false;
                }
            }
            return true;
        }

        InputStream decompress(InputStream in) throws IOException {
            return switch (this) {
                case NONE -> in;
                case GZIP -> new GzipCompressorInputStream(in, true);
                case BZIP2 -> new BZip2CompressorInputStream(in, true);
                case XZ -> new XZCompressorInputStream(in, true);
                case ZSTD -> new ZstdCompressorInputStream(in);
                case COMPRESS -> new ZCompressorInputStream(in);
            };
        }
    }

    private record Dir(byte[] path, Attributes attributes) {
    }

    private final GuestWriter writer;
    private final List<String> warnings = new ArrayList<>();
    /** The symlinks this unpacking made (paths as ISO-8859-1), never passed through. */
    private final java.util.Set<String> madeLinks = new java.util.HashSet<>();

    public TarIn(Mounts mounts) {
        this.writer = new GuestWriter(mounts);
    }

    public List<String> warnings() {
        return warnings;
    }

    /**
     * Unpacks the archive {@code in} (not closed) into the existing guest directory {@code remoteDir}; with
     * {@code compression} null, the compression is detected.
     */
    public void extract(InputStream in, String remoteDir, Compression compression) throws IOException {
        GuestFile top;
        try {
            top = writer.mounts().stat(remoteDir);
        } catch (GuestFileException e) {
            throw new GuestFileException(remoteDir, e.errno());
        }
        if (!top.isDirectory()) {
            throw new IOException("target '" + remoteDir + "' is not a directory");
        }
        InputStream buffered = new BufferedInputStream(in, 1 << 16);
        Compression c = compression != null ? compression : Compression.detect(buffered);
        InputStream raw = c.decompress(buffered);
        TarArchiveInputStream tar = new TarArchiveInputStream(raw, StandardCharsets.ISO_8859_1.name());
        List<Dir> dirs = new ArrayList<>();
        boolean warnedSlash = false;
        TarArchiveEntry e;
        while ((e = tar.getNextEntry()) != null) {
            byte[] rawName = e.getName().getBytes(StandardCharsets.ISO_8859_1);
            List<byte[]> parts = new ArrayList<>();
            boolean dotdot = false;
            for (byte[] p : GuestWriter.components(rawName)) {
                if (GuestWriter.isDotDot(p)) {
                    dotdot = true;
                } else if (!GuestWriter.isDot(p)) {
                    parts.add(p);
                }
            }
            String shown = new String(rawName, StandardCharsets.UTF_8);
            if (rawName.length > 0 && rawName[0] == '/' && !warnedSlash) {
                warnings.add("Removing leading '/' from member names");
                warnedSlash = true;
            }
            if (dotdot) {
                warnings.add(shown + ": Member name contains '..': skipped");
                continue;
            }
            Attributes attrs = attributes(e);
            if (parts.isEmpty()) {
                if (e.isDirectory()) {
                    dirs.add(new Dir(top.path(), attrs));  // "./": the directory itself
                }
                continue;
            }
            byte[] dest = top.path();
            for (byte[] p : parts) {
                dest = Mounts.child(dest, p);
            }
            try {
                parents(top.path(), parts);
                entry(tar, e, dest, top.path(), attrs, dirs);
            } catch (GuestFileException ex) {
                throw new IOException(shown + ": Cannot extract: " + ex.errno().message(), ex);
            }
        }
        for (int i = dirs.size() - 1; i >= 0; i--) {
            Dir d = dirs.get(i);
            try {
                writer.setAttributes(d.path(), d.attributes());
            } catch (GuestFileException ex) {
                warnings.add(new String(d.path(), StandardCharsets.UTF_8) + ": attributes not set: "
                        + ex.errno().message());
            }
        }
    }

    private void entry(TarArchiveInputStream tar, TarArchiveEntry e, byte[] dest, byte[] top, Attributes attrs,
                       List<Dir> dirs) throws IOException {
        if (e.isDirectory()) {
            GuestWriter.Target t = writer.target(dest);
            if (t.existing() == null || !t.existing().isDirectory()) {
                if (t.existing() != null) {
                    writer.remove(dest, false, false);
                }
                writer.mkdir(dest, attrs);
            }
            dirs.add(new Dir(dest, attrs));
        } else if (e.isSymbolicLink()) {
            writer.putSymlink(e.getLinkName().getBytes(StandardCharsets.ISO_8859_1), dest, attrs);
            madeLinks.add(new String(dest, StandardCharsets.ISO_8859_1));
        } else if (e.isLink()) {
            byte[] to = top;
            for (byte[] p : GuestWriter.components(e.getLinkName().getBytes(StandardCharsets.ISO_8859_1))) {
                if (GuestWriter.isDotDot(p)) {
                    warnings.add(e.getName() + ": hard link target contains '..': skipped");
                    return;
                }
                if (!GuestWriter.isDot(p)) {
                    to = Mounts.child(to, p);
                }
            }
            writer.link(to, dest, true);
        } else if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
            FileType type = e.isFIFO() ? FileType.FIFO : e.isCharacterDevice() ? FileType.CHAR_DEVICE
                    : FileType.BLOCK_DEVICE;
            writer.mknod(dest, type, e.getDevMajor(), e.getDevMinor(), attrs, true);
        } else if (e.isFile()) {
            long size = e.isSparse() ? e.getRealSize() : e.getSize();
            writer.putFile(dest, tar, size, attrs);
        } else {
            warnings.add(e.getName() + ": unknown entry type '" + (char) e.getLinkFlag() + "': skipped");
        }
    }

    /**
     * Makes the missing directories above an entry, as GNU tar does (mode 0755, root); a symlink on the way is
     * followed when it was there before, refused when this archive made it.
     */
    private void parents(byte[] top, List<byte[]> parts) throws IOException {
        byte[] p = top;
        for (int i = 0; i < parts.size() - 1; i++) {
            p = Mounts.child(p, parts.get(i));
            GuestWriter.Target t = writer.target(p);
            if (t.existing() == null) {
                writer.mkdir(p, Attributes.of(GuestWriter.DIR_MODE));
            } else if (t.existing().type() == FileType.SYMLINK) {
                if (madeLinks.contains(new String(p, StandardCharsets.ISO_8859_1))) {
                    throw new IOException(new String(p, StandardCharsets.UTF_8) + ": Cannot extract through a"
                            + " symbolic link the archive made");
                }
                if (!writer.mounts().stat(p).isDirectory()) {
                    throw new GuestFileException(new String(p, StandardCharsets.UTF_8),
                            dev.platter.inspect.guest.Errno.ENOTDIR);
                }
            } else if (!t.existing().isDirectory()) {
                throw new GuestFileException(new String(p, StandardCharsets.UTF_8),
                        dev.platter.inspect.guest.Errno.ENOTDIR);
            }
        }
    }

    private static Attributes attributes(TarArchiveEntry e) {
        Instant mtime = e.getLastModifiedTime() == null ? Instant.EPOCH : e.getLastModifiedTime().toInstant();
        return new Attributes(e.getMode() & 07777, e.getLongUserId(), e.getLongGroupId(), Instant.now(), mtime);
    }
}
