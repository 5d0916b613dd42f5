package dev.platter.inspect.xfs;

import dev.platter.core.Bounds;
import dev.platter.core.CorruptImageException;
import dev.platter.core.Extent;
import dev.platter.core.ReadOnlyBlockDevice;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The contents of a regular file as a read-only device of the file's size. Holes read as zeros and map as
 * UNALLOCATED; unwritten (preallocated) extents read as zeros and map as ZERO; blocks past EOF are ignored.
 */
final class XfsFileDevice implements ReadOnlyBlockDevice {
    private static final int MAX_MERGED_EXTENTS = 1024;
    private static final byte[] ZEROS = new byte[65536];

    private final XfsContext ctx;
    private final XfsInode inode;
    private final ExtentMap map;
    private final byte[] inline;
    private final long size;
    private final String description;

    private XfsFileDevice(XfsContext ctx, XfsInode inode, ExtentMap map, byte[] inline, String description) {
        this.ctx = ctx;
        this.inode = inode;
        this.map = map;
        this.inline = inline;
        this.size = inode.core.size();
        this.description = description;
    }

    static XfsFileDevice open(XfsContext ctx, XfsInode inode) throws IOException {
        String description = ctx.reader.device().describe() + " [xfs inode " + Long.toUnsignedString(inode.ino) + "]";
        if (inode.core.format() == InodeCore.FMT_LOCAL) {
            byte[] fork = inode.dataFork();
            return new XfsFileDevice(ctx, inode, null, Be.slice(fork, 0, (int) inode.core.size()), description);
        }
        return new XfsFileDevice(ctx, inode, inode.extentMap(ctx, false), null, description);
    }

    @Override
    public long size() {
        return size;
    }

    private long bytes(long blocks) {
        return blocks > (Long.MAX_VALUE >> ctx.geo.blockLog) ? Long.MAX_VALUE : blocks << ctx.geo.blockLog;
    }

    /** One run of the file starting at {@code pos}: a hole, an unwritten extent, or data at a device offset. */
    private record Run(long length, Extent.Status status, long devicePos) {
    }

    private Run runAt(long pos) throws IOException {
        if (inline != null) {
            return new Run(size - pos, Extent.Status.DATA, -1);
        }
        long fb = pos >> ctx.geo.blockLog;
        BmbtRecord r = map.find(fb);
        if (r == null || r.startOff() > fb) {
            long holeEnd = r == null ? size : Math.min(size, bytes(r.startOff()));
            return new Run(holeEnd - pos, Extent.Status.UNALLOCATED, -1);
        }
        if (r.endOff() <= fb) {
            throw new CorruptImageException(inode.what() + " data fork", -1, "extent map returned an extent ending"
                    + " before file block " + fb);
        }
        long runEnd = Math.min(size, bytes(r.endOff()));
        if (r.unwritten()) {
            return new Run(runEnd - pos, Extent.Status.ZERO, -1);
        }
        long start = ctx.geo.fsbToByte(r.startBlock(), r.blockCount(), inode.what() + " data extent");
        long devicePos = start + ((fb - r.startOff()) << ctx.geo.blockLog) + (pos & (ctx.geo.blockSize - 1));
        return new Run(runEnd - pos, Extent.Status.DATA, devicePos);
    }

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        Bounds.check(pos, dst.remaining(), size, describe());
        try {
            while (dst.hasRemaining()) {
                Run run = runAt(pos);
                int n = (int) Math.min(dst.remaining(), run.length);
                if (inline != null) {
                    dst.put(inline, (int) pos, n);
                } else if (run.status != Extent.Status.DATA) {
                    for (int left = n; left > 0; ) {
                        int k = Math.min(left, ZEROS.length);
                        dst.put(ZEROS, 0, k);
                        left -= k;
                    }
                } else {
                    ByteBuffer part = dst.slice();
                    part.limit(n);
                    ctx.reader.readInto(run.devicePos, part, inode.what() + " data");
                    dst.position(dst.position() + n);
                }
                pos += n;
            }
        } catch (RuntimeException e) {
            throw XfsFileSystem.corrupt(inode.what() + " data", e);
        }
    }

    @Override
    public Extent mapping(long pos, long maxLen) throws IOException {
        Bounds.checkMapping(pos, maxLen, size, describe());
        try {
            long limit = Math.min(maxLen, size - pos);
            Run run = runAt(pos);
            long length = Math.min(run.length, limit);
            for (int i = 0; i < MAX_MERGED_EXTENTS && length < limit; i++) {
                Run next = runAt(pos + length);
                if (next.status != run.status) {
                    break;
                }
                length += Math.min(next.length, limit - length);
            }
            return new Extent(pos, length, run.status, 0, -1, false, null);
        } catch (RuntimeException e) {
            throw XfsFileSystem.corrupt(inode.what() + " data", e);
        }
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        // A view: the filesystem's owner closes the device.
    }
}
