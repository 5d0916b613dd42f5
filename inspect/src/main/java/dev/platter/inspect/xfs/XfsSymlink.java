package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;

import java.io.IOException;

/**
 * A symbolic link's target: in the data fork (local), or in at most a few blocks (remote). On v5 each extent of a
 * remote target starts with an "XSLM" header; mkfs.xfs protofiles (xfsprogs 6.1) omit it, which the kernel (and
 * this reader) report as corruption of that link.
 */
final class XfsSymlink {
    private static final int MAX_EXTENT_BLOCKS = 4;

    private XfsSymlink() {
    }

    static byte[] read(XfsContext ctx, XfsInode inode) throws IOException {
        String what = inode.what() + " (symlink)";
        long size = inode.core.size();
        if (size <= 0 || size > XfsFileSystem.SYMLINK_MAX) {
            throw new CorruptImageException(what, inode.position, "target length " + size + " (1 to "
                    + XfsFileSystem.SYMLINK_MAX + " bytes)");
        }
        int len = (int) size;
        if (inode.core.format() == InodeCore.FMT_LOCAL) {
            return Be.slice(inode.dataFork(), 0, len);
        }
        ExtentMap map = inode.extentMap(ctx, false);
        byte[] target = new byte[len];
        int copied = 0;
        long fb = 0;
        while (copied < len) {
            BmbtRecord r = map.find(fb);
            if (r == null || !r.contains(fb) || r.unwritten()) {
                throw new CorruptImageException(what, inode.position, "target block " + fb + " is not mapped");
            }
            int blocks = (int) Math.min(MAX_EXTENT_BLOCKS, r.endOff() - fb);
            long pos = ctx.geo.fsbToByte(r.startBlock(), r.blockCount(), what)
                    + ((fb - r.startOff()) << ctx.geo.blockLog);
            byte[] b = ctx.reader.read(pos, blocks * ctx.geo.blockSize, what);
            int from = 0;
            int n = Math.min(b.length, len - copied);
            if (ctx.v5) {
                n = Math.min(b.length - RemoteBlockHeader.SIZE, len - copied);
                RemoteBlockHeader h = RemoteBlockHeader.parse(b, RemoteBlockHeader.SYMLINK_MAGIC, pos, inode.ino, ctx,
                        what);
                if (h.offset() != copied || h.bytes() != n) {
                    throw new CorruptImageException(what, pos, "remote block holds bytes " + h.offset() + "+"
                            + h.bytes() + ", expected " + copied + "+" + n);
                }
                from = RemoteBlockHeader.SIZE;
            }
            System.arraycopy(b, from, target, copied, n);
            copied += n;
            fb += blocks;
        }
        return target;
    }
}
