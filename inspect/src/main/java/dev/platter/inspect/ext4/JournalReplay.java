package dev.platter.inspect.ext4;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;

import java.io.IOException;
import java.util.List;
import java.util.TreeMap;

/**
 * jbd2 recovery in memory, pass for pass as the kernel's {@code jbd2_journal_recover} does it, without writing:
 * <ol>
 * <li>SCAN from {@code s_start} / {@code s_sequence}: follow descriptor, revoke and commit blocks of consecutive
 * transactions (wrapping from the end of the log area back to {@code s_first}) to the end of the log: a block without
 * the magic or with another sequence, or a commit block whose checksum fails (v1 crc32_be, v2/v3 crc32c: the
 * transaction is not replayed; with async_commit the scan goes on but ends there all the same). A descriptor or revoke
 * block whose checksum fails is judged at the next commit block by its time, as the kernel does: an older commit
 * means stale blocks from before (the log ends there), a newer one a corrupt journal (refused).</li>
 * <li>REVOKE: collect every revoke record of the transactions found, with the latest transaction that revoked it.</li>
 * <li>REPLAY: for every tag of every descriptor, unless revoked by that or a later transaction, the filesystem block
 * takes the log block's content (ESCAPE restores the magic that was zeroed); v2/v3 tag checksums are verified and a
 * mismatch refuses the journal, as the kernel fails the mount.</li>
 * </ol>
 * The result is an overlay, filesystem block to the log block holding its latest content, read lazily by
 * {@link JournalOverlay}; nothing is copied into memory but that map.
 */
final class JournalReplay {
    static final String STRUCTURE = "ext journal";

    private final Ext4FileSystem fs;
    private final JournalSuperblock jsb;
    private final BlockMapper map;
    private final long journalInum;
    private BlockRun run;

    /** What recovery found: the overlay, the transactions replayed ({@code first} to {@code end}, exclusive). */
    record Result(JournalSuperblock superblock, TreeMap<Long, Long> overlay, int firstTid, int endTid,
                  int revokes, int revokeHits, boolean needed) {
        int transactions() {
            return endTid - firstTid;
        }

        String describe() {
            if (!needed) {
                return "the journal needed no replay (its log is empty)";
            }
            return "journal replayed in memory: " + transactions() + " transaction"
                    + (transactions() == 1 ? "" : "s") + " (" + Integer.toUnsignedString(firstTid) + " to "
                    + Integer.toUnsignedString(endTid - 1) + "), " + overlay.size() + " block"
                    + (overlay.size() == 1 ? "" : "s") + ", " + revokeHits + " revoked; the image was not written";
        }
    }

    private JournalReplay(Ext4FileSystem fs, JournalSuperblock jsb, BlockMapper map, long journalInum) {
        this.fs = fs;
        this.jsb = jsb;
        this.map = map;
        this.journalInum = journalInum;
    }

    /** Reads the journal of {@code fs} (as it stands on disk, before any replay) and replays it in memory. */
    static Result replay(Ext4FileSystem fs) throws IOException {
        Superblock sb = fs.superblock();
        if (sb.journalInum == 0) {
            String uuid = uuid(sb.raw, 0xD0);
            throw new UnsupportedFeatureException("external journal", "ext filesystem needs recovery from an external"
                    + " journal device (journal UUID " + uuid + ", device 0x" + Long.toHexString(Le.u32(sb.raw, 0xE4))
                    + "), which cannot be replayed; use --no-replay to read it as it stands on disk");
        }
        Inode inode;
        try {
            inode = fs.inode(sb.journalInum);
        } catch (CorruptImageException e) {
            throw new CorruptImageException(STRUCTURE, -1, "journal inode " + sb.journalInum + ": " + e.getMessage(), e);
        }
        if (!inode.isRegular()) {
            throw new CorruptImageException(STRUCTURE, -1, "journal inode " + sb.journalInum + " is not a regular file");
        }
        JournalReplay r = new JournalReplay(fs, null, fs.mapper(inode), sb.journalInum);
        long b0 = r.physical(0);
        byte[] first = fs.readBlock(b0, STRUCTURE + " superblock");
        JournalSuperblock jsb = JournalSuperblock.parse(first, b0 * sb.blockSize);
        jsb.checkFeatures();
        if (jsb.blockSize != sb.blockSize) {
            throw new CorruptImageException(STRUCTURE + " superblock", b0 * sb.blockSize, "block size "
                    + jsb.blockSize + " differs from the filesystem's " + sb.blockSize);
        }
        if (jsb.maxLen > sb.blocksCount) {
            throw new CorruptImageException(STRUCTURE + " superblock", b0 * sb.blockSize, "a journal of "
                    + jsb.maxLen + " blocks is larger than the filesystem (" + sb.blocksCount + " blocks)");
        }
        long inodeBlocks = (fs.size(inode) + sb.blockSize - 1) / sb.blockSize;
        if (jsb.maxLen > inodeBlocks) {
            throw new CorruptImageException(STRUCTURE + " superblock", b0 * sb.blockSize, "a journal of "
                    + jsb.maxLen + " blocks is longer than its inode " + sb.journalInum + " (" + inodeBlocks
                    + " blocks)");
        }
        return new JournalReplay(fs, jsb, r.map, sb.journalInum).run();
    }

    private static String uuid(byte[] b, int off) {
        StringBuilder s = new StringBuilder(36);
        for (int i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) {
                s.append('-');
            }
            s.append(String.format("%02x", b[off + i] & 0xFF));
        }
        return s.toString();
    }

    // ---------------------------------------------------------------------------------------------------------

    private Result run() throws IOException {
        if (jsb.start == 0) {
            return new Result(jsb, new TreeMap<>(), jsb.sequence, jsb.sequence, 0, 0, false);
        }
        if (jsb.start < jsb.first || jsb.start >= jsb.last) {
            throw corrupt(0, "log start " + jsb.start + " outside the log area " + jsb.first + " to "
                    + (jsb.last - 1));
        }
        int end = scan();
        checkFastCommit(end);
        RevokeTable revokes = new RevokeTable();
        walk(end, revokes, null);
        TreeMap<Long, Long> overlay = new TreeMap<>();
        int[] hits = new int[1];
        walk(end, revokes, new Replay(overlay, hits));
        return new Result(jsb, overlay, jsb.sequence, end, revokes.size(), hits[0], true);
    }

    /** The SCAN pass: returns the first transaction that is not replayed. */
    private int scan() throws IOException {
        int next = jsb.sequence;
        long block = jsb.start;
        long steps = 0;
        long lap = jsb.last - jsb.first;
        boolean checkCommitTime = false;
        long lastCommitTime = 0;
        int crc = 0xFFFFFFFF;
        Integer end = null;
        while (true) {
            if (++steps > lap) {
                throw corrupt(block, "the log runs a full lap of the journal (" + lap + " blocks) without ending,"
                        + " at transaction " + Integer.toUnsignedString(next));
            }
            long here = block;
            byte[] b = readLog(here);
            block = wrap(block + 1);
            if (Be.i32(b, 0) != JournalSuperblock.MAGIC || Be.i32(b, 8) != next) {
                break;
            }
            int type = Be.i32(b, 4);
            if (type == JournalSuperblock.BLOCKTYPE_DESCRIPTOR) {
                if (!CommitBlock.tailVerify(b, jsb)) {
                    checkCommitTime = true; // maybe stale blocks of an earlier use: judged at the commit block
                }
                List<JournalBlockTag> tags = JournalBlockTag.parse(b, jsb);
                if (jsb.hasChecksumV1() && !checkCommitTime && end == null) {
                    crc = Crc32Be.update(crc, b, 0, b.length);
                    for (int i = 0; i < tags.size(); i++) {
                        byte[] data = readLog(block);
                        block = wrap(block + 1);
                        crc = Crc32Be.update(crc, data, 0, data.length);
                    }
                } else {
                    block = wrap(block + tags.size());
                }
                steps += tags.size();
            } else if (type == JournalSuperblock.BLOCKTYPE_COMMIT) {
                CommitBlock commit = CommitBlock.parse(b);
                long time = commit.commitSec();
                if (checkCommitTime) {
                    if (Long.compareUnsigned(time, lastCommitTime) >= 0) {
                        throw corrupt(here, "checksum mismatch in a descriptor or revoke block of transaction "
                                + Integer.toUnsignedString(next) + " (the kernel refuses to mount it)");
                    }
                    break; // an older commit: stale blocks, the log ends here
                }
                boolean bad = false;
                if (jsb.hasChecksumV1()) {
                    if (end != null) {
                        break;
                    }
                    boolean matches = crc == commit.checksum0() && commit.checksumType() == CommitBlock.CRC32_CHKSUM
                            && commit.checksumSize() == CommitBlock.CRC32_CHKSUM_SIZE;
                    boolean unused = commit.checksumType() == 0 && commit.checksumSize() == 0
                            && commit.checksum0() == 0;
                    bad = !matches && !unused;
                    crc = 0xFFFFFFFF;
                }
                if (bad || !CommitBlock.csumVerify(b, jsb)) {
                    if (Long.compareUnsigned(time, lastCommitTime) < 0) {
                        break;
                    }
                    if (end == null) {
                        end = next;
                    }
                    if (!jsb.hasIncompat(JournalSuperblock.INCOMPAT_ASYNC_COMMIT)) {
                        break;
                    }
                }
                lastCommitTime = time;
                next++;
            } else if (type == JournalSuperblock.BLOCKTYPE_REVOKE) {
                if (!CommitBlock.tailVerify(b, jsb)) {
                    checkCommitTime = true;
                }
            } else {
                break;
            }
        }
        return end != null ? end : next;
    }

    /** What the REPLAY pass does with each tag. */
    private record Replay(TreeMap<Long, Long> overlay, int[] hits) {
    }

    /** The REVOKE pass ({@code replay} null) or the REPLAY pass, over transactions before {@code end}. */
    private void walk(int end, RevokeTable revokes, Replay replay) throws IOException {
        int next = jsb.sequence;
        long block = jsb.start;
        long blocksCount = fs.superblock().blocksCount;
        CorruptImageException tagError = null;
        while (next - end < 0) {
            long here = block;
            byte[] b = readLog(here);
            block = wrap(block + 1);
            if (Be.i32(b, 0) != JournalSuperblock.MAGIC || Be.i32(b, 8) != next) {
                break; // cannot happen after a scan that got further; the kernel would report a mismatch of passes
            }
            int type = Be.i32(b, 4);
            if (type == JournalSuperblock.BLOCKTYPE_DESCRIPTOR) {
                List<JournalBlockTag> tags = JournalBlockTag.parse(b, jsb);
                if (replay == null) {
                    block = wrap(block + tags.size());
                    continue;
                }
                if (!CommitBlock.tailVerify(b, jsb)) {
                    throw corrupt(here, "descriptor block checksum mismatch in transaction "
                            + Integer.toUnsignedString(next));
                }
                for (int i = 0; i < tags.size(); i++) {
                    JournalBlockTag tag = tags.get(i);
                    long io = block;
                    block = wrap(block + 1);
                    if (tag.block() >= blocksCount) {
                        throw corrupt(here, "descriptor tag " + i + " of transaction " + Integer.toUnsignedString(next)
                                + " names block " + tag.block() + ", outside the filesystem (" + blocksCount
                                + " blocks)");
                    }
                    if (revokes.isRevoked(tag.block(), next)) {
                        replay.hits[0]++;
                        continue;
                    }
                    long phys = physical(io);
                    if (jsb.hasCsumV2or3() && !tagVerify(tag, readLog(io), next) && tagError == null) {
                        tagError = corrupt(io, "data block checksum mismatch for filesystem block " + tag.block()
                                + " in transaction " + Integer.toUnsignedString(next)
                                + " (the kernel refuses to mount it)");
                        continue;
                    }
                    replay.overlay.put(tag.block(), phys << 1 | (tag.escaped() ? 1 : 0));
                }
            } else if (type == JournalSuperblock.BLOCKTYPE_COMMIT) {
                next++;
            } else if (type == JournalSuperblock.BLOCKTYPE_REVOKE) {
                if (replay == null) {
                    long offset = physical(here) * jsb.blockSize;
                    String where = STRUCTURE + " revoke block " + here;
                    for (long revoked : RevokeRecord.parse(b, jsb, where, offset)) {
                        revokes.revoke(revoked, next, where, offset);
                    }
                }
            } else {
                break;
            }
        }
        if (tagError != null) {
            throw tagError;
        }
    }

    private boolean tagVerify(JournalBlockTag tag, byte[] data, int sequence) {
        byte[] seq = new byte[4];
        Be.put32(seq, 0, sequence);
        int crc = Crc32c.update(jsb.csumSeed, seq, 0, 4);
        crc = Crc32c.update(crc, data, 0, data.length);
        if (jsb.hasIncompat(JournalSuperblock.INCOMPAT_CSUM_V3)) {
            return tag.checksum() == crc;
        }
        return tag.checksum() == (crc & 0xFFFF);
    }

    /**
     * Refuses a fast-commit area whose first tag is a head naming the transaction after the log, as the kernel's scan
     * ({@code ext4_fc_replay_scan}) reads it: from there the kernel either replays the fast commits up to the last
     * tail whose CRC holds (ext4's fast-commit replay, which rewrites inodes, extents and directories: Platter does not
     * do it) or, with no valid tail, fails the recovery; on Linux 6.18 even a read-only mount of such a journal fails.
     * An area whose head names another transaction is stale and ignored, as the kernel ignores it.
     */
    private void checkFastCommit(int end) throws IOException {
        if (!jsb.hasIncompat(JournalSuperblock.INCOMPAT_FAST_COMMIT)) {
            return;
        }
        for (long blk = jsb.last; blk <= jsb.fcFirst && blk < jsb.maxLen; blk++) {
            byte[] b = readLog(blk);
            int tag = Le.u16(b, 0);
            int len = Le.u16(b, 2);
            if (tag == 9 && len >= 8 && Le.i32(b, 8) == end) {
                throw new UnsupportedFeatureException("fast_commit", "ext journal block " + blk + ": the fast-commit"
                        + " area holds entries for transaction " + Integer.toUnsignedString(end) + ", which only"
                        + " the kernel's fast-commit replay at a read-write mount applies; Platter does not replay"
                        + " fast commits: use --no-replay to read the filesystem as it stands on disk");
            }
        }
    }

    private long wrap(long block) {
        while (block >= jsb.last) {
            block -= jsb.last - jsb.first;
        }
        return block;
    }

    private byte[] readLog(long logical) throws IOException {
        return fs.readBlock(physical(logical), STRUCTURE + " block " + logical);
    }

    /** The filesystem block holding journal block {@code logical}, through the journal inode's block map. */
    long physical(long logical) throws IOException {
        if (run == null || logical < run.logical() || logical >= run.logical() + run.count()) {
            run = map.map(logical);
        }
        if (run.kind() != BlockRun.Kind.DATA) {
            throw new CorruptImageException(STRUCTURE, -1, "journal block " + logical + " is not mapped by inode "
                    + journalInum);
        }
        long phys = run.physical() + (logical - run.logical());
        if (phys <= fs.superblock().firstDataBlock || phys >= fs.superblock().blocksCount) {
            throw new CorruptImageException(STRUCTURE, -1, "journal block " + logical + " maps to block " + phys
                    + ", outside the filesystem");
        }
        return phys;
    }

    private CorruptImageException corrupt(long logical, String problem) {
        long offset;
        try {
            offset = physical(logical) * jsb.blockSize;
        } catch (IOException e) {
            offset = -1;
        }
        return new CorruptImageException(STRUCTURE + " block " + logical, offset, problem);
    }
}
