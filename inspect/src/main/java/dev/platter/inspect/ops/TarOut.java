package dev.platter.inspect.ops;

import dev.platter.core.BlockDevice;
import dev.platter.inspect.fs.FileStat;
import dev.platter.inspect.guest.GuestFile;
import dev.platter.inspect.guest.Mounts;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorOutputStream;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a guest directory as a tar archive, like virt-tar-out (GNU tar in the appliance): entries named
 * "./", "./dir/", "./dir/file" in directory order, numeric owners with no user names, regular files with their
 * contents, symlinks, hard links (the second name of an inode links to the first), devices and FIFOs; sockets are
 * skipped as GNU tar skips them. Long names and big numbers use the GNU and star extensions. Names are the guest's
 * bytes, unchanged.
 */
public final class TarOut {
    /** Compression of the archive. */
    public enum Compression { NONE, GZIP, XZ }

    private static final int CHUNK = 1 << 20;

    private final Mounts mounts;
    private final List<String> warnings = new ArrayList<>();

    public TarOut(Mounts mounts) {
        this.mounts = mounts;
    }

    public List<String> warnings() {
        return warnings;
    }

    /** Archives the directory {@code dir} of the guest to {@code out} (left open). */
    public void write(String dir, OutputStream out, Compression compression) throws IOException {
        GuestFile top = mounts.stat(dir);
        if (!top.isDirectory()) {
            throw new IOException(dir + ": Not a directory");
        }
        OutputStream shield = new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
        OutputStream compressed = switch (compression) {
            case NONE -> shield;
            case GZIP -> new GzipCompressorOutputStream(shield);
            case XZ -> new XZCompressorOutputStream(shield);
        };
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(compressed, "ISO-8859-1")) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_GNU);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_STAR);
            tar.setAddPaxHeadersForNonAsciiNames(false);
            entry(tar, top, "./", null);
            Map<String, String> firstNames = new HashMap<>();
            int seen = mounts.warnings().size();
            try {
                new TreeWalk<String>(mounts, TreeWalk.Order.ON_DISK, warnings::add).walk(top, "./",
                        (prefix, e) -> archive(tar, prefix, e, firstNames));
            } finally {
                warnings.addAll(mounts.warnings().subList(seen, mounts.warnings().size())); // entries skipped
            }
            tar.finish();
        }
    }

    /** Archives one entry under {@code prefix}; for a directory, returns the prefix of its entries. */
    private String archive(TarArchiveOutputStream tar, String prefix, TreeWalk.Entry entry,
                           Map<String, String> firstNames) throws IOException {
        GuestFile f = entry.file();
        String name = prefix + new String(entry.name(), StandardCharsets.ISO_8859_1);
        switch (f.type()) {
            case DIRECTORY -> {
                if (entry.seenBefore()) {
                    return null; // the walk said so in a warning
                }
                entry(tar, f, name + "/", null);
                return name + "/";
            }
            case SOCKET -> warnings.add(f.pathString() + ": socket ignored");
            default -> {
                String first = f.stat().nlink() > 1 ? firstNames.putIfAbsent(key(f), name) : null;
                entry(tar, f, name, first);
            }
        }
        return null;
    }

    private void entry(TarArchiveOutputStream tar, GuestFile f, String name, String hardLinkTo) throws IOException {
        FileStat st = f.stat();
        TarArchiveEntry e;
        if (hardLinkTo != null) {
            e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
            e.setLinkName(hardLinkTo);
        } else {
            switch (f.type()) {
                case DIRECTORY -> e = new TarArchiveEntry(name, TarConstants.LF_DIR, true);
                case SYMLINK -> {
                    e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
                    e.setLinkName(new String(mounts.readlink(f), StandardCharsets.ISO_8859_1));
                }
                case CHAR_DEVICE, BLOCK_DEVICE -> {
                    e = new TarArchiveEntry(name, f.type() == dev.platter.inspect.fs.FileType.CHAR_DEVICE
                            ? TarConstants.LF_CHR : TarConstants.LF_BLK, true);
                    e.setDevMajor((int) st.rdevMajor());
                    e.setDevMinor((int) st.rdevMinor());
                }
                case FIFO -> e = new TarArchiveEntry(name, TarConstants.LF_FIFO, true);
                default -> {
                    e = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
                    e.setSize(st.size());
                }
            }
        }
        e.setMode(st.mode() & 07777);
        e.setUserId(st.uid());
        e.setGroupId(st.gid());
        e.setUserName("");
        e.setGroupName("");
        e.setModTime(st.mtime() == null ? new Date(0) : Date.from(st.mtime()));
        tar.putArchiveEntry(e);
        if (hardLinkTo == null && f.type() == dev.platter.inspect.fs.FileType.REGULAR) {
            try (BlockDevice src = mounts.open(f)) {
                ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(1, st.size())));
                for (long pos = 0; pos < st.size(); ) {
                    int n = (int) Math.min(buf.capacity(), st.size() - pos);
                    buf.clear().limit(n);
                    src.read(pos, buf);
                    tar.write(buf.array(), 0, n);
                    pos += n;
                }
            }
        }
        tar.closeArchiveEntry();
    }

    /** Identifies a file for hard links: its filesystem's mount point and its inode. */
    private static String key(GuestFile f) {
        return f.mount().path() + ":" + f.inode();
    }
}
