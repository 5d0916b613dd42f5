package dev.platter.inspect.ext4;

import dev.platter.core.BlockDevice;
import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes one jbd2 transaction and checkpoints it, in the order that makes it atomic:
 * <ol>
 * <li>the log: descriptor blocks (tags with the checksums the journal's features ask for: v1 crc32_be in the commit,
 * v2/v3 crc32c per tag and per descriptor), copies of the metadata blocks (escaped when they start with the jbd2
 * magic), the commit block; then a flush;</li>
 * <li>the journal superblock points at the transaction ({@code s_start}): the commit point;</li>
 * <li>the blocks are written in place: the superblock's block first (it carries needs_recovery, so that recovery
 * replays the log from here on), flushed, then the others, flushed; the journal superblock is marked empty again
 * (next sequence) and needs_recovery cleared.</li>
 * </ol>
 * A crash before 2 leaves the filesystem as it was (the log is not reachable). Between 2 and the superblock's
 * checkpoint nothing was written in place: the kernel, finding needs_recovery clear, discards the log (the state
 * before), e2fsck offers to replay it (the state after). After that, recovery replays the transaction. The primary
 * superblock's record (1 KiB, two sectors) is written in place twice, as the kernel writes it at mount and unmount:
 * a cut that tears one of those writes leaves a superblock failing its checksum, which e2fsck restores from a backup. The log only ever holds this one transaction, so no block of it can have been
 * freed and reused by a later one: revoke records are never needed.
 */
final class JournalWriter {
    private final BlockDevice device;
    private final Superblock sb;
    private final int blockSize;
    private final FileMap logMap; // journal block -> filesystem block
    private JournalSuperblock jsb;
    private byte[] jsbBlock;

    private JournalWriter(BlockDevice device, Superblock sb, FileMap logMap, byte[] jsbBlock, JournalSuperblock jsb) {
        this.device = device;
        this.sb = sb;
        this.blockSize = sb.blockSize;
        this.logMap = logMap;
        this.jsbBlock = jsbBlock;
        this.jsb = jsb;
    }

    /** The journal of the filesystem, whose inode record is {@code raw}; refuses what it cannot write. */
    static JournalWriter open(BlockDevice device, Superblock sb, TxBlocks tx, byte[] raw) throws IOException {
        if (sb.journalInum == 0) {
            throw new UnsupportedFeatureException("external journal", "ext filesystem has an external journal"
                    + " device: Platter writes only into filesystems with an internal journal");
        }
        FileMap map = FileMap.of(tx, sb, sb.journalInum, raw);
        long size = Le.u32(raw, 0x04) | Le.u32(raw, 0x6C) << 32;
        long blocks = size / sb.blockSize;
        if (blocks < 2 || blocks > sb.blocksCount) {
            throw new CorruptImageException(JournalReplay.STRUCTURE, -1, "journal inode of " + size + " bytes");
        }
        long first = map.physical(0);
        if (first < 0) {
            throw new CorruptImageException(JournalReplay.STRUCTURE, -1, "journal block 0 is not mapped");
        }
        byte[] b = new byte[sb.blockSize];
        device.read(first * sb.blockSize, ByteBuffer.wrap(b));
        JournalSuperblock jsb = JournalSuperblock.parse(b, first * sb.blockSize);
        jsb.checkFeatures();
        if (jsb.blockSize != sb.blockSize || jsb.maxLen > blocks) {
            throw new CorruptImageException(JournalReplay.STRUCTURE + " superblock", first * sb.blockSize,
                    "block size " + jsb.blockSize + " / length " + jsb.maxLen + " do not fit the journal inode");
        }
        if (jsb.start != 0) {
            throw new UnsupportedFeatureException("needs_recovery", "ext journal holds transactions not yet written"
                    + " in place (s_start " + jsb.start + "): replay it first (--replay)");
        }
        if (!map.coversInOrder(jsb.maxLen)) {
            throw new CorruptImageException(JournalReplay.STRUCTURE, -1, "the journal inode does not map its "
                    + jsb.maxLen + " blocks in order");
        }
        return new JournalWriter(device, sb, map, b, jsb);
    }

    /** Metadata blocks one transaction may hold: the log less its descriptors and commit, with room to spare. */
    int capacity() {
        long log = jsb.last - jsb.first;
        int perDescriptor = tagsPerDescriptor();
        return (int) Math.max(1, (log - 2) * perDescriptor / (perDescriptor + 1) - 2);
    }

    private int tagsPerDescriptor() {
        int room = blockSize - JournalBlockTag.HEADER - jsb.tailBytes() - 16;
        return room / jsb.tagBytes();
    }

    /**
     * Commits {@code blocks} (filesystem block -> new content; the superblock's block among them, with its final
     * counts) and checkpoints them. {@code superblockBlock} and {@code superblockOffset} locate the superblock
     * record, whose needs_recovery flag is managed here.
     */
    void commit(Map<Long, byte[]> blocks, long superblockBlock, int superblockOffset, MetadataChecksums checksums)
            throws IOException {
        if (blocks.isEmpty()) {
            return;
        }
        if (blocks.size() > capacity()) {
            throw new IOException("ext journal: one operation changes " + blocks.size() + " metadata blocks, more"
                    + " than the journal holds (" + capacity() + ")");
        }
        device.flush(); // file data written so far is on disk before any metadata points at it
        byte[] sbBlock = blocks.get(superblockBlock);
        byte[] onDisk = new byte[blockSize];
        device.read(superblockBlock * blockSize, ByteBuffer.wrap(onDisk));
        if (sbBlock != null) {
            setRecover(sbBlock, superblockOffset, true, checksums); // as journaled: the kernel's copy has it too
        }
        // 1. The log.
        int sequence = jsb.sequence;
        long pos = jsb.first;
        List<Map.Entry<Long, byte[]>> list = new ArrayList<>(blocks.entrySet());
        int perDescriptor = tagsPerDescriptor();
        int crc1 = 0xFFFFFFFF;
        for (int i = 0; i < list.size(); i += perDescriptor) {
            int n = Math.min(perDescriptor, list.size() - i);
            byte[] desc = new byte[blockSize];
            header(desc, JournalSuperblock.BLOCKTYPE_DESCRIPTOR, sequence);
            int p = JournalBlockTag.HEADER;
            byte[][] copies = new byte[n][];
            for (int j = 0; j < n; j++) {
                Map.Entry<Long, byte[]> e = list.get(i + j);
                byte[] data = e.getValue();
                int flags = j == 0 ? 0 : JournalBlockTag.FLAG_SAME_UUID;
                if (Be.i32(data, 0) == JournalSuperblock.MAGIC) {
                    data = data.clone();
                    Be.put32(data, 0, 0);
                    flags |= JournalBlockTag.FLAG_ESCAPE;
                }
                if (j == n - 1) {
                    flags |= JournalBlockTag.FLAG_LAST_TAG;
                }
                copies[j] = data;
                p = tag(desc, p, e.getKey(), flags, tagChecksum(e.getValue(), sequence));
                if (j == 0) {
                    System.arraycopy(jsb.uuid, 0, desc, p, 16);
                    p += 16;
                }
            }
            sealTail(desc);
            crc1 = Crc32Be.update(crc1, desc, 0, blockSize);
            writeLog(pos++, desc);
            for (byte[] c : copies) {
                crc1 = Crc32Be.update(crc1, c, 0, blockSize);
                writeLog(pos++, c);
            }
        }
        byte[] commit = new byte[blockSize];
        header(commit, JournalSuperblock.BLOCKTYPE_COMMIT, sequence);
        Instant now = Instant.now();
        Be.put32(commit, 0x30, (int) (now.getEpochSecond() >>> 32));
        Be.put32(commit, 0x34, (int) now.getEpochSecond());
        Be.put32(commit, 0x38, now.getNano());
        if (jsb.hasChecksumV1()) {
            commit[0x0C] = CommitBlock.CRC32_CHKSUM;
            commit[0x0D] = CommitBlock.CRC32_CHKSUM_SIZE;
            Be.put32(commit, CommitBlock.CHECKSUM0, crc1);
        } else if (jsb.hasCsumV2or3()) {
            Be.put32(commit, CommitBlock.CHECKSUM0, Crc32c.update(jsb.csumSeed, commit, 0, blockSize));
        }
        writeLog(pos, commit);
        device.flush();
        // 2. The commit point.
        writeJournalSuperblock(jsb.first, sequence);
        device.flush();
        // 3. Checkpoint: the superblock first, which brings needs_recovery (a crash before it: the kernel finds the
        // flag clear and discards the log, nothing having been written in place; e2fsck offers to replay it), then
        // the rest; then an empty log and a clean superblock.
        if (sbBlock != null) {
            device.write(superblockBlock * blockSize, ByteBuffer.wrap(sbBlock));
        } else {
            setRecover(onDisk, superblockOffset, true, checksums);
            device.write(superblockBlock * blockSize + superblockOffset,
                    ByteBuffer.wrap(onDisk, superblockOffset, Superblock.SIZE));
        }
        device.flush();
        for (Map.Entry<Long, byte[]> e : list) {
            if (e.getKey() != superblockBlock) {
                device.write(e.getKey() * blockSize, ByteBuffer.wrap(e.getValue()));
            }
        }
        device.flush();
        writeJournalSuperblock(0, sequence + 1);
        device.flush();
        byte[] clean = sbBlock != null ? sbBlock : onDisk;
        setRecover(clean, superblockOffset, false, checksums);
        device.write(superblockBlock * blockSize + superblockOffset,
                ByteBuffer.wrap(clean, superblockOffset, Superblock.SIZE));
        device.flush();
    }

    private static void setRecover(byte[] b, int off, boolean on, MetadataChecksums checksums) {
        int incompat = Le.i32(b, off + 0x60);
        incompat = on ? incompat | Features.INCOMPAT_RECOVER : incompat & ~Features.INCOMPAT_RECOVER;
        Le.put32(b, off + 0x60, incompat);
        checksums.sealSuperblock(b, off);
    }

    private static void header(byte[] b, int type, int sequence) {
        Be.put32(b, 0, JournalSuperblock.MAGIC);
        Be.put32(b, 4, type);
        Be.put32(b, 8, sequence);
    }

    private int tagChecksum(byte[] data, int sequence) {
        if (!jsb.hasCsumV2or3()) {
            return 0;
        }
        byte[] seq = new byte[4];
        Be.put32(seq, 0, sequence);
        int crc = Crc32c.update(jsb.csumSeed, seq, 0, 4);
        return Crc32c.update(crc, data, 0, data.length);
    }

    /** Writes one tag at {@code p} in the layout the journal's features give; returns the offset after it. */
    private int tag(byte[] b, int p, long block, int flags, int checksum) {
        Be.put32(b, p, (int) block);
        if (jsb.hasIncompat(JournalSuperblock.INCOMPAT_CSUM_V3)) {
            Be.put32(b, p + 4, flags);
            Be.put32(b, p + 8, (int) (block >>> 32));
            Be.put32(b, p + 12, checksum);
        } else {
            if (jsb.hasIncompat(JournalSuperblock.INCOMPAT_CSUM_V2)) {
                b[p + 4] = (byte) (checksum >>> 8);
                b[p + 5] = (byte) checksum;
            }
            b[p + 6] = (byte) (flags >>> 8);
            b[p + 7] = (byte) flags;
            if (jsb.is64Bit()) {
                Be.put32(b, p + 8, (int) (block >>> 32));
            }
        }
        return p + jsb.tagBytes();
    }

    private void sealTail(byte[] b) {
        if (jsb.hasCsumV2or3()) {
            Be.put32(b, blockSize - 4, 0);
            Be.put32(b, blockSize - 4, Crc32c.update(jsb.csumSeed, b, 0, blockSize));
        }
    }

    private void writeLog(long logical, byte[] b) throws IOException {
        if (logical >= jsb.last) {
            throw new IllegalStateException("transaction overruns the log");
        }
        device.write(logMap.physical(logical) * blockSize, ByteBuffer.wrap(b));
    }

    private void writeJournalSuperblock(long start, int sequence) throws IOException {
        byte[] b = jsbBlock.clone();
        Be.put32(b, 0x18, sequence);
        Be.put32(b, 0x1C, (int) start);
        if (jsb.hasCsumV2or3()) {
            Be.put32(b, 0xFC, 0);
            Be.put32(b, 0xFC, Crc32c.update(0xFFFFFFFF, b, 0, JournalSuperblock.SIZE));
        }
        long at = logMap.physical(0) * blockSize;
        device.write(at, ByteBuffer.wrap(b, 0, JournalSuperblock.SIZE));
        jsbBlock = b;
        jsb = JournalSuperblock.parse(b, at);
    }
}
