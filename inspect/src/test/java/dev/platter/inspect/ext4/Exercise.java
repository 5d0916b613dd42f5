package dev.platter.inspect.ext4;

import dev.platter.core.BlockDevice;
import dev.platter.core.Extent;
import dev.platter.inspect.fs.DirEntry;
import dev.platter.inspect.fs.FileStat;
import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.fs.GuestFileSystem;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;

/**
 * Drives every operation of a (possibly corrupt) filesystem as far as it goes: each directory listed once, every
 * entry stat'ed, read (bounded), its links, mapping and xattrs fetched. IOExceptions are the expected outcome of
 * corruption and are counted; anything else propagates and fails the caller.
 */
final class Exercise {
    private static final int MAX_READ = 1 << 20;
    private static final int MAX_RUNS = 4096;

    int ok;
    int failed;

    static Exercise run(GuestFileSystem fs) {
        Exercise e = new Exercise();
        e.all(fs);
        return e;
    }

    private void all(GuestFileSystem fs) {
        attempt(() -> fs.statfs());
        attempt(() -> fs.type() + fs.label() + fs.uuid());
        Set<Long> seen = new HashSet<>();
        Deque<Long> dirs = new ArrayDeque<>();
        dirs.add(fs.rootInode());
        seen.add(fs.rootInode());
        int budget = 10_000;
        while (!dirs.isEmpty() && budget-- > 0) {
            long dir = dirs.poll();
            java.util.List<DirEntry> entries;
            try {
                entries = fs.list(dir);
                ok++;
            } catch (IOException e) {
                failed++;
                continue;
            }
            for (DirEntry d : entries) {
                attempt(() -> fs.lookup(dir, d.rawName()));
                FileStat st;
                try {
                    st = fs.stat(d.inode());
                    ok++;
                } catch (IOException e) {
                    failed++;
                    continue;
                }
                attempt(() -> fs.xattrs(d.inode()));
                if (st.type() == FileType.DIRECTORY && seen.add(d.inode())) {
                    dirs.add(d.inode());
                } else if (st.type() == FileType.SYMLINK) {
                    attempt(() -> fs.readlink(d.inode()));
                } else if (st.type() == FileType.REGULAR) {
                    attempt(() -> readFile(fs.open(d.inode())));
                }
            }
        }
        attempt(() -> fs.lookup(fs.rootInode(), "no-such-name".getBytes()));
        fs.warnings();
    }

    private static Object readFile(BlockDevice f) throws IOException {
        int n = (int) Math.min(f.size(), MAX_READ);
        f.read(0, ByteBuffer.allocate(n));
        if (f.size() > n) {
            f.read(f.size() - 4096 > n ? f.size() - 4096 : n, ByteBuffer.allocate((int) Math.min(4096, f.size() - n)));
        }
        long pos = 0;
        for (int i = 0; i < MAX_RUNS && pos < f.size(); i++) {
            Extent e = f.mapping(pos, Long.MAX_VALUE);
            if (e.length() <= 0 || e.start() != pos) {
                throw new AssertionError("bad mapping " + e + " at " + pos);
            }
            pos = e.end();
        }
        return null;
    }

    interface Op {
        Object run() throws IOException;
    }

    private void attempt(Op op) {
        try {
            op.run();
            ok++;
        } catch (IOException e) {
            failed++;
        }
    }
}
