package dev.platter.inspect.ext4;

import dev.platter.core.BlockDevice;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * Journal recovery written to the device, as e2fsck performs it before checking: the committed transactions
 * ({@link JournalReplay}) copied to their places, flushed, then the log marked empty and needs_recovery cleared.
 * A crash in between leaves the journal as it was, and the replay is simply done again.
 */
final class JournalReplayInPlace {
    private JournalReplayInPlace() {
    }

    /** Replays the journal of {@code onDisk} (opened without replay) onto {@code device}; returns the blocks written. */
    static int replay(BlockDevice device, Ext4FileSystem onDisk) throws IOException {
        Superblock sb = onDisk.superblock();
        JournalReplay.Result result = JournalReplay.replay(onDisk);
        int bs = sb.blockSize;
        for (Map.Entry<Long, Long> e : result.overlay().entrySet()) {
            byte[] b = new byte[bs];
            long logBlock = e.getValue() >>> 1;
            device.read(logBlock * bs, ByteBuffer.wrap(b));
            if ((e.getValue() & 1) != 0) {
                Be.put32(b, 0, JournalSuperblock.MAGIC);
            }
            device.write(e.getKey() * bs, ByteBuffer.wrap(b));
        }
        device.flush();
        // The journal superblock: empty log, next sequence.
        TxBlocks tx = new TxBlocks(device, bs, sb.blocksCount);
        FileMap map = FileMap.of(tx, sb, sb.journalInum, onDisk.inode(sb.journalInum).raw);
        long jsbBlock = map.physical(0);
        byte[] j = new byte[bs];
        device.read(jsbBlock * bs, ByteBuffer.wrap(j));
        JournalSuperblock jsb = JournalSuperblock.parse(j, jsbBlock * bs);
        Be.put32(j, 0x18, result.endTid());
        Be.put32(j, 0x1C, 0);
        if (jsb.hasCsumV2or3()) {
            Be.put32(j, 0xFC, 0);
            Be.put32(j, 0xFC, Crc32c.update(0xFFFFFFFF, j, 0, JournalSuperblock.SIZE));
        }
        device.write(jsbBlock * bs, ByteBuffer.wrap(j, 0, JournalSuperblock.SIZE));
        device.flush();
        // The superblock as replayed, without needs_recovery.
        byte[] s = device.readBytes(Superblock.OFFSET, Superblock.SIZE);
        Superblock now = Superblock.parse(s);
        Le.put32(s, 0x60, now.featureIncompat & ~Features.INCOMPAT_RECOVER);
        new MetadataChecksums(now, dev.platter.inspect.fs.FsOptions.defaults(), new Warnings()).sealSuperblock(s, 0);
        device.write(Superblock.OFFSET, ByteBuffer.wrap(s));
        device.flush();
        return result.overlay().size();
    }
}
