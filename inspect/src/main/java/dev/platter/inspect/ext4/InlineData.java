package dev.platter.inspect.ext4;

import java.io.IOException;

/**
 * Inline data (inode flag 0x10000000): the first 60 bytes in i_block, the rest in the value of the in-inode
 * xattr {@code system.data}.
 */
final class InlineData {
    private InlineData() {
    }

    /** i_block followed by the system.data value (the whole inline area, which may exceed i_size). */
    static byte[] read(Ext4FileSystem fs, Inode inode) throws IOException {
        byte[] tail = systemData(fs, inode);
        byte[] all = new byte[Inode.I_BLOCK_SIZE + tail.length];
        System.arraycopy(inode.raw, Inode.I_BLOCK, all, 0, Inode.I_BLOCK_SIZE);
        System.arraycopy(tail, 0, all, Inode.I_BLOCK_SIZE, tail.length);
        return all;
    }

    /** The system.data value (empty when absent). */
    static byte[] systemData(Ext4FileSystem fs, Inode inode) throws IOException {
        for (Xattrs.Attr a : Xattrs.inBody(fs, inode)) {
            if (a.entry().isSystemData()) {
                return a.value();
            }
        }
        return new byte[0];
    }
}
