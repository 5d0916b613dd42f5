package dev.platter.inspect.xfs;

import dev.platter.core.BlockDevice;
import dev.platter.core.Extent;
import dev.platter.inspect.fs.DirEntry;
import dev.platter.inspect.fs.FileStat;
import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.fs.GuestFileSystem;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Walks a whole filesystem the way the commands do (list, lookup, stat, readlink, xattrs, open and read, mapping,
 * statfs), bounded so that even a damaged image is walked in finite time: every inode once, at most
 * {@code maxBytesPerFile} read per file. Per-operation IOExceptions are counted, not thrown; anything else
 * (a RuntimeException, an Error) escapes and fails the test.
 */
final class FsWalker {
    /** What the walk saw, by path. */
    final Map<String, String> report = new LinkedHashMap<>();
    int ioErrors;
    /** The first few error messages, for failure reports. */
    final java.util.List<String> errors = new java.util.ArrayList<>();
    private final long maxBytesPerFile;
    private final boolean md5;

    FsWalker(long maxBytesPerFile, boolean md5) {
        this.maxBytesPerFile = maxBytesPerFile;
        this.md5 = md5;
    }

    void walk(GuestFileSystem fs) {
        try {
            fs.statfs();
        } catch (IOException e) {
            ioErrors++;
        }
        Set<Long> seen = new HashSet<>();
        Deque<Object[]> todo = new ArrayDeque<>();
        todo.push(new Object[] {"", fs.rootInode()});
        seen.add(fs.rootInode());
        while (!todo.isEmpty()) {
            Object[] next = todo.pop();
            String path = (String) next[0];
            long dir = (Long) next[1];
            List<DirEntry> entries;
            try {
                entries = fs.list(dir);
            } catch (IOException e) {
                ioErrors++;
                continue;
            }
            for (DirEntry e : entries) {
                String p = path + "/" + e.name();
                try {
                    DirEntry again = fs.lookup(dir, e.rawName());
                    if (again == null || again.inode() != e.inode()) {
                        report.put(p + " [lookup]", String.valueOf(again));
                    }
                } catch (IOException ex) {
                    ioErrors++;
                }
                visit(fs, p, e, seen, todo);
            }
        }
    }

    private void visit(GuestFileSystem fs, String p, DirEntry e, Set<Long> seen, Deque<Object[]> todo) {
        FileStat st;
        try {
            st = fs.stat(e.inode());
        } catch (IOException ex) {
            ioErrors++;
            return;
        }
        StringBuilder s = new StringBuilder();
        s.append(st.type()).append(' ').append(Integer.toOctalString(st.permissions())).append(' ').append(st.size());
        try {
            if (st.type() == FileType.DIRECTORY) {
                if (seen.add(e.inode())) {
                    todo.push(new Object[] {p, e.inode()});
                }
            } else if (st.type() == FileType.SYMLINK) {
                s.append(" -> ").append(new String(fs.readlink(e.inode()), java.nio.charset.StandardCharsets.UTF_8));
            } else if (st.type() == FileType.REGULAR) {
                s.append(' ').append(read(fs, e.inode()));
            }
            Map<String, byte[]> x = fs.xattrs(e.inode());
            if (!x.isEmpty()) {
                s.append(" xattrs=").append(x.size());
            }
        } catch (IOException ex) {
            ioErrors++;
            if (errors.size() < 20) {
                errors.add(p + ": " + ex);
            }
            s.append(" error");
        }
        report.put(p, s.toString());
    }

    private String read(GuestFileSystem fs, long ino) throws IOException {
        try (BlockDevice file = fs.open(ino)) {
            long size = file.size();
            long limit = Math.min(size, maxBytesPerFile);
            MessageDigest digest = md5 ? MessageDigest.getInstance("MD5") : null;
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            for (long pos = 0; pos < limit; ) {
                int n = (int) Math.min(buf.capacity(), limit - pos);
                buf.clear().limit(n);
                file.read(pos, buf);
                if (digest != null) {
                    digest.update(buf.array(), 0, n);
                }
                pos += n;
            }
            StringBuilder runs = new StringBuilder();
            int count = 0;
            for (long pos = 0; pos < size && count < 10_000; count++) {
                Extent r = file.mapping(pos, Long.MAX_VALUE);
                pos = r.end();
                if (count < 8) {
                    runs.append(r.status().name().charAt(0));
                }
            }
            return (digest == null ? "" : HexFormat.of().formatHex(digest.digest())) + " " + runs;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
