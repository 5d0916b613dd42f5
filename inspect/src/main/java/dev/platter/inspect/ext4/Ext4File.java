package dev.platter.inspect.ext4;

import dev.platter.core.Bounds;
import dev.platter.core.CorruptImageException;
import dev.platter.core.Extent;
import dev.platter.core.ReadOnlyBlockDevice;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A file's contents as a read-only device of the file's size. Reads follow the block map run by run; holes and
 * unwritten extents read as zeros. The mapping reports holes as UNALLOCATED, unwritten extents as ZERO, and stored
 * runs with the status the underlying device gives their blocks (so zero runs of a sparse image stay ZERO).
 */
final class Ext4File implements ReadOnlyBlockDevice {
    private final Ext4FileSystem fs;
    private final Inode inode;
    private final long size;
    private final int bs;
    private final BlockMapper mapper;
    private volatile byte[] inline;

    Ext4File(Ext4FileSystem fs, Inode inode, long size) {
        this.fs = fs;
        this.inode = inode;
        this.size = size;
        this.bs = fs.blockSize();
        this.mapper = inode.hasFlag(Inode.FLAG_INLINE_DATA) ? null : fs.mapper(inode);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        Bounds.check(pos, dst.remaining(), size, describe());
        if (mapper == null) {
            byte[] data = inlineData();
            int n = dst.remaining();
            int avail = (int) Math.max(0, Math.min(n, data.length - pos));
            dst.put(data, (int) Math.min(pos, data.length), avail);
            zeros(dst, n - avail);
            return;
        }
        while (dst.hasRemaining()) {
            long lb = pos / bs;
            int inBlock = (int) (pos % bs);
            BlockRun run = mapper.map(lb);
            int n = (int) Math.min(dst.remaining(), run.count() * bs - inBlock);
            if (run.kind() == BlockRun.Kind.DATA) {
                long dpos = dataOffset(run, inBlock, n);
                ByteBuffer part = dst.duplicate();
                part.limit(part.position() + n);
                fs.device().read(dpos, part);
                dst.position(dst.position() + n);
            } else {
                zeros(dst, n);
            }
            pos += n;
        }
    }

    @Override
    public Extent mapping(long pos, long maxLen) throws IOException {
        Bounds.checkMapping(pos, maxLen, size, describe());
        long limit = Math.min(maxLen, size - pos);
        if (mapper == null) {
            return new Extent(pos, limit, Extent.Status.DATA, 0, -1, false, null);
        }
        int inBlock = (int) (pos % bs);
        BlockRun run = mapper.map(pos / bs);
        long len = Math.min(limit, run.count() * bs - inBlock);
        switch (run.kind()) {
            case HOLE:
                return Extent.unallocated(pos, len);
            case UNWRITTEN:
                return new Extent(pos, len, Extent.Status.ZERO, 0, -1, false, null);
            default:
                Extent e = fs.device().mapping(dataOffset(run, inBlock, len), len);
                Extent.Status status = e.status() == Extent.Status.DATA ? Extent.Status.DATA : Extent.Status.ZERO;
                return new Extent(pos, e.length(), status, e.depth(), e.hostOffset(), e.compressed(), e.host());
        }
    }

    private long dataOffset(BlockRun run, int inBlock, long len) throws CorruptImageException {
        long dpos = run.physical() * bs + inBlock;
        if (dpos + len > fs.device().size()) {
            throw new CorruptImageException("ext data of inode " + inode.number, dpos,
                    "block " + run.physical() + " lies past the end of the device (" + fs.device().size() + " bytes)");
        }
        return dpos;
    }

    private byte[] inlineData() throws IOException {
        byte[] d = inline;
        if (d == null) {
            d = InlineData.read(fs, inode);
            inline = d;
        }
        return d;
    }

    private static void zeros(ByteBuffer dst, int n) {
        if (dst.hasArray()) {
            int p = dst.arrayOffset() + dst.position();
            java.util.Arrays.fill(dst.array(), p, p + n, (byte) 0);
            dst.position(dst.position() + n);
        } else {
            for (int i = 0; i < n; i++) {
                dst.put((byte) 0);
            }
        }
    }

    @Override
    public String describe() {
        return fs.device().describe() + " [inode " + inode.number + "]";
    }

    @Override
    public void close() {
        // A view over the filesystem's device.
    }
}
