package dev.platter.inspect.testing;

import dev.platter.core.BlockDevice;
import dev.platter.core.Extent;
import dev.platter.inspect.fs.DirEntry;
import dev.platter.inspect.fs.FileStat;
import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.fs.GuestFileSystem;
import dev.platter.inspect.fs.StatFs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Visits a whole (possibly damaged) filesystem in bounded time and checks the promises of {@link GuestFileSystem}
 * on whatever it finds, throwing an AssertionError when one is broken. An IOException from one operation is a
 * legitimate answer to damage and only skips that operation; anything else escapes to the fuzzer.
 *
 * <p>The first 64 entries of each directory are looked up again, stat'ed, their xattrs fetched, and they are read
 * (files, symlinks) or descended into (directories); of the rest, every eighth name is looked up.
 *
 * <p>Checked: a listing never repeats a name nor returns "." or ".." or an empty name; a file's device has the size
 * stat reports; a read fills exactly the bytes asked and nothing around them; a file's mapping runs tile it
 * (contiguous, non-empty, ending exactly at its size); xattr values are at most 64 KiB; statfs counts satisfy
 * available <= free <= total.
 */
public final class FsInvariants {
    private static final int MAX_DIRS = 100;
    private static final int MAX_ENTRIES = 1000;
    private static final int DETAILED_PER_DIR = 64;
    private static final int MAX_RUNS = 512;
    private static final int XATTR_MAX = 65536;

    private final int maxBytesPerFile;

    /** {@code maxBytesPerFile} bounds the reads at each end of a file (0: stat and map only). */
    public FsInvariants(int maxBytesPerFile) {
        this.maxBytesPerFile = maxBytesPerFile;
    }

    public void check(GuestFileSystem fs) {
        attempt(() -> statfs(fs.statfs()));
        attempt(() -> fs.type() + fs.label() + fs.uuid());
        Set<Long> seen = new HashSet<>();
        Deque<Long> dirs = new ArrayDeque<>();
        dirs.add(fs.rootInode());
        seen.add(fs.rootInode());
        int dirBudget = MAX_DIRS;
        int entryBudget = MAX_ENTRIES;
        while (!dirs.isEmpty() && dirBudget-- > 0 && entryBudget > 0) {
            long dir = dirs.poll();
            List<DirEntry> entries;
            try {
                entries = fs.list(dir);
            } catch (IOException e) {
                continue;
            }
            Set<String> names = new HashSet<>();
            for (DirEntry d : entries) {
                String name = HexFormat.of().formatHex(d.rawName());
                if (!names.add(name)) {
                    throw new AssertionError("directory " + dir + " lists " + d.name() + " twice");
                }
                if (d.rawName().length == 0 || Arrays.equals(d.rawName(), new byte[] {'.'})
                        || Arrays.equals(d.rawName(), new byte[] {'.', '.'})) {
                    throw new AssertionError("directory " + dir + " lists '" + d.name() + "'");
                }
            }
            int detailed = 0;
            for (DirEntry d : entries) {
                if (entryBudget-- <= 0) {
                    break;
                }
                if (detailed++ >= DETAILED_PER_DIR) {
                    // big directories: their index is what matters, their inodes look alike
                    if (detailed % 8 == 0) {
                        attempt(() -> fs.lookup(dir, d.rawName()));
                    }
                    continue;
                }
                attempt(() -> fs.lookup(dir, d.rawName()));
                FileStat st;
                try {
                    st = fs.stat(d.inode());
                } catch (IOException e) {
                    continue;
                }
                attempt(() -> xattrs(d.inode(), fs.xattrs(d.inode())));
                if (st.type() == FileType.DIRECTORY && seen.add(d.inode())) {
                    dirs.add(d.inode());
                } else if (st.type() == FileType.SYMLINK) {
                    attempt(() -> fs.readlink(d.inode()));
                } else if (st.type() == FileType.REGULAR) {
                    attempt(() -> {
                        try (BlockDevice f = fs.open(d.inode())) {
                            return file(d.inode(), st, f);
                        }
                    });
                }
            }
        }
        attempt(() -> fs.lookup(fs.rootInode(), "no-such-name".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        fs.warnings();
    }

    private static Object statfs(StatFs s) {
        boolean sane = s.blockSize() > 0 && 0 <= s.availableBlocks() && s.availableBlocks() <= s.freeBlocks()
                && s.freeBlocks() <= s.blocks() && 0 <= s.freeFiles() && s.freeFiles() <= s.files();
        if (!sane) {
            throw new AssertionError("statfs out of range: " + s);
        }
        return s;
    }

    private static Object xattrs(long inode, Map<String, byte[]> x) {
        for (Map.Entry<String, byte[]> e : x.entrySet()) {
            if (e.getKey().isEmpty() || e.getValue().length > XATTR_MAX) {
                throw new AssertionError("inode " + inode + ": xattr '" + e.getKey() + "' of "
                        + e.getValue().length + " bytes");
            }
        }
        return x;
    }

    private Object file(long inode, FileStat st, BlockDevice f) throws IOException {
        long size = f.size();
        if (size != st.size()) {
            throw new AssertionError("inode " + inode + ": device of " + size + " bytes, stat says " + st.size());
        }
        int head = (int) Math.min(size, maxBytesPerFile);
        readExactly(f, 0, head);
        int tail = (int) Math.min(size - head, maxBytesPerFile);
        readExactly(f, size - tail, tail);
        long pos = 0;
        for (int i = 0; i < MAX_RUNS && pos < size; i++) {
            Extent e = f.mapping(pos, Long.MAX_VALUE);
            if (e.start() != pos || e.length() <= 0 || e.end() > size) {
                throw new AssertionError("inode " + inode + ": run " + e + " at " + pos + " of " + size);
            }
            pos = e.end();
        }
        return null;
    }

    /** A read fills exactly {@code len} bytes of the buffer and nothing around them. */
    private static void readExactly(BlockDevice f, long pos, int len) throws IOException {
        if (len <= 0) {
            return;
        }
        byte[] backing = new byte[len + 32];
        Arrays.fill(backing, (byte) 0x5A);
        ByteBuffer dst = ByteBuffer.wrap(backing, 16, len);
        f.read(pos, dst);
        if (dst.position() != 16 + len) {
            throw new AssertionError("read of " + len + " at " + pos + " filled " + (dst.position() - 16));
        }
        for (int i = 0; i < 16; i++) {
            if (backing[i] != 0x5A || backing[16 + len + i] != 0x5A) {
                throw new AssertionError("read of " + len + " at " + pos + " wrote outside its buffer");
            }
        }
    }

    private interface Op {
        Object run() throws IOException;
    }

    private static void attempt(Op op) {
        try {
            op.run();
        } catch (IOException e) {
            // damage found and reported: the expected answer
        }
    }
}
