package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.inspect.fs.FileStat;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.GuestFileSystem;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hand-made logs ({@link SyntheticLog}) on the committed clean fixtures: replay of buffer and inode items on v4
 * (which the kernel here cannot mount, so no kernel-made v4 log exists to compare with) and v5, cancelled buffers,
 * flush counters, uncommitted and torn transactions, and hostile logs, each of which must end in a one-line error
 * naming the log block, never a hang, a runtime exception or a silently stale view.
 */
class XfsLogHostileTest {

    private static GuestFileSystem open(SyntheticLog log) throws IOException {
        return XfsFileSystem.open(log.disk.device(), FsOptions.defaults());
    }

    private static <T extends Exception> T oneLine(Class<T> type, SyntheticLog log, String... words) {
        T e = assertThrows(type, () -> open(log).close());
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        for (String w : words) {
            assertTrue(m.contains(w), "'" + w + "' in: " + m);
        }
        return e;
    }

    /** The inode of {@code path} in the clean fixture, with its byte position. */
    private record Node(long ino, long pos) {
    }

    private static Node node(SyntheticLog log, String path) throws IOException {
        try (GuestFileSystem fs = open(log)) {
            long ino = XfsTestImages.resolve(fs, path);
            return new Node(ino, new Geometry(log.sb).inodeByte(ino));
        }
    }

    private static List<byte[]> relabel(SyntheticLog log, String label) {
        byte[] sector = log.disk.get(0, 512);
        byte[] name = Arrays.copyOf(label.getBytes(StandardCharsets.US_ASCII), 12);
        System.arraycopy(name, 0, sector, 0x6C, 12);
        return SyntheticLog.buffer(0, 1, 18 << 11, sector, 0);
    }

    private static List<byte[]> chmod(SyntheticLog log, Node n, int mode, long uid, long mtime) {
        int bs = log.sb.blockSize();
        long blockPos = n.pos & ~((long) bs - 1);
        byte[] disk = log.disk.get(n.pos, log.sb.inodeSize());
        byte[] l = SyntheticLog.logDinode(disk, 0, log.sb.isV5());
        SyntheticLog.le16(l, 2, mode);
        SyntheticLog.le32(l, 8, uid);
        SyntheticLog.le32(l, 40, mtime);
        SyntheticLog.le32(l, 44, 5);
        if (log.sb.isV5() && (Be.u64(disk, 120) & InodeCore.FLAG2_BIGTIME) != 0) {
            SyntheticLog.le64(l, 40, (mtime + (1L << 31)) * 1_000_000_000L + 5);
        }
        return SyntheticLog.inode(n.ino, blockPos / 512, bs / 512, (int) (n.pos - blockPos), LogInodeFormat.CORE, l);
    }

    private static void assertReplayed(String fixture) throws IOException {
        SyntheticLog log = SyntheticLog.on(fixture);
        Node n = node(log, "/k/hl_a");
        log.commit(relabel(log, "replayed"), chmod(log, n, 0100600, 4242, 1234567890L));
        try (GuestFileSystem fs = open(log)) {
            assertEquals("replayed", fs.label());
            FileStat st = fs.stat(n.ino);
            assertEquals(0100600, st.mode());
            assertEquals(4242, st.uid());
            assertEquals(1234567890L, st.mtime().getEpochSecond());
            assertEquals(5, st.mtime().getNano());
            assertTrue(String.valueOf(fs.journalReplay()).startsWith("log replayed in memory"), fs.journalReplay());
            new dev.platter.inspect.testing.FsInvariants(1 << 20).check(fs);
        }
        try (GuestFileSystem fs = XfsFileSystem.open(log.disk.device(), FsOptions.defaults().withReplayJournal(false))) {
            assertFalse("replayed".equals(fs.label()), "without replay: the on-disk state");
            assertTrue(fs.warnings().stream().anyMatch(w -> w.contains("without replaying")), fs.warnings().toString());
        }
    }

    @Test
    void v4BufferAndInodeItemsAreReplayed() throws IOException {
        assertReplayed("xfs-kernel-v4");
    }

    @Test
    void v5BufferAndInodeItemsAreReplayedWithTheirChecksums() throws IOException {
        assertReplayed("xfs-kernel-v5");
    }

    @Test
    void v4InodeOlderThanItsFlushCounterIsNotReplayed() throws IOException {
        SyntheticLog log = SyntheticLog.on("xfs-kernel-v4");
        Node n = node(log, "/k/hl_a");
        byte[] disk = log.disk.get(n.pos, 256);
        LogDinode.be64(disk, 24, 0);
        disk[30] = 0;
        disk[31] = 9; // the inode on disk was flushed 9 times
        log.disk.put(n.pos, disk);
        List<byte[]> item = chmod(log, n, 0100600, 4242, 1234567890L);
        SyntheticLog.le16(item.get(1), 30, 3); // the logged copy is from flush 3: older
        log.commit(item);
        try (GuestFileSystem fs = open(log)) {
            assertEquals(0, fs.stat(n.ino).uid(), "the on-disk inode is newer than the logged one");
        }
    }

    @Test
    void cancelledBuffersAreNotReplayed() throws IOException {
        SyntheticLog log = SyntheticLog.on("xfs-kernel-v5");
        String label;
        try (GuestFileSystem fs = open(log)) {
            label = fs.label();
        }
        log.commit(relabel(log, "first"));
        List<byte[]> cancel = relabel(log, "cancel");
        SyntheticLog.le16(cancel.get(0), 4, LogBufFormat.CANCEL);
        log.commit(cancel);
        try (GuestFileSystem fs = open(log)) {
            assertEquals(label, fs.label(), "a buffer cancelled later in the log is never replayed");
        }
        log.commit(relabel(log, "after"));
        try (GuestFileSystem fs = open(log)) {
            assertEquals("after", fs.label(), "a buffer logged again after its last cancellation is replayed");
        }
    }

    @Test
    void uncommittedTransactionsAreNotReplayed() throws IOException {
        SyntheticLog log = SyntheticLog.on("xfs-kernel-v5");
        log.commit(List.of(relabel(log, "committed")), true);
        log.commit(List.of(relabel(log, "dangling")), false);
        try (GuestFileSystem fs = open(log)) {
            assertEquals("committed", fs.label());
        }
    }

    @Test
    void aTornRecordAtTheHeadIsDroppedAsTheKernelDoes() throws IOException {
        SyntheticLog log = SyntheticLog.on("xfs-kernel-v5");
        log.commit(relabel(log, "kept"));
        long torn = log.commit(relabel(log, "torn"));
        byte[] b = log.disk.get(log.logByte(torn + 1) + 100, 1);
        b[0] ^= 0x55;
        log.disk.put(log.logByte(torn + 1) + 100, b);
        try (GuestFileSystem fs = open(log)) {
            assertEquals("kept", fs.label());
            assertTrue(fs.warnings().stream().anyMatch(w -> w.contains("torn write")), fs.warnings().toString());
        }
    }

    @Test
    void aBadCrcFarFromTheHeadIsAnError() throws IOException {
        SyntheticLog log = SyntheticLog.on("xfs-kernel-v5");
        long first = log.commit(relabel(log, "r0"));
        for (int i = 1; i < 12; i++) {
            log.commit(relabel(log, "r" + i));
        }
        byte[] b = log.disk.get(log.logByte(first + 1) + 100, 1);
        b[0] ^= 0x55;
        log.disk.put(log.logByte(first + 1) + 100, b);
        oneLine(CorruptImageException.class, log, "xfs log block", "CRC");
    }

    @Test
    void recordLengthPastTheLogIsAnError() throws IOException {
        SyntheticLog log = SyntheticLog.on("xfs-kernel-v5");
        long r = log.commit(relabel(log, "a"));
        for (int i = 0; i < 12; i++) {
            log.commit(relabel(log, "b" + i));
        }
        byte[] h = log.disk.get(log.logByte(r), 512);
        LogDinode.be32(h, 12, 0x7FFF0000L);
        log.disk.put(log.logByte(r), h);
        oneLine(CorruptImageException.class, log, "xfs log block 0", "length 2147418112");
    }

    @Test
    void aBadRecordAmongTheLastOnesLeavesNothingToReplayAsInTheKernel() throws IOException {
        // Within the records the in-core logs may have been writing, a bad one is a torn write: the head moves back
        // to it, and the tail named by the record before it leaves nothing to replay (xlog_verify_head).
        SyntheticLog log = SyntheticLog.on("xfs-kernel-v5");
        long r = log.commit(relabel(log, "a"));
        log.commit(relabel(log, "b"));
        byte[] h = log.disk.get(log.logByte(r), 512);
        LogDinode.be32(h, 12, 0x7FFF0000L);
        log.disk.put(log.logByte(r), h);
        try (GuestFileSystem fs = open(log)) {
            assertFalse(fs.label().equals("b"));
            assertTrue(fs.warnings().stream().anyMatch(w -> w.contains("torn write")), fs.warnings().toString());
        }
    }

    @Test
    void cyclesThatNeverEndAreAnError() throws IOException {
        SyntheticLog log = SyntheticLog.on("xfs-kernel-v5");
        byte[] stamp = new byte[512];
        LogDinode.be32(stamp, 0, 7);
        for (long bb = 0; bb < log.logBlocks; bb++) {
            log.disk.put(log.logByte(bb), stamp);
        }
        long t0 = System.nanoTime();
        oneLine(CorruptImageException.class, log, "xfs log block", "record header");
        assertTrue(System.nanoTime() - t0 < 30_000_000_000L, "bounded");
        try (GuestFileSystem fs = XfsFileSystem.open(log.disk.device(), FsOptions.defaults().withReplayJournal(false))) {
            assertTrue(fs.warnings().stream().anyMatch(w -> w.contains("could not tell")), fs.warnings().toString());
        }
    }

    @Test
    void buffersOutsideTheFilesystemAreAnError() throws IOException {
        SyntheticLog log = SyntheticLog.on("xfs-kernel-v5");
        long outside = (log.sb.dblocks() << log.sb.blockLog()) / 512 + 8;
        log.commit(SyntheticLog.buffer(outside, 8, 0, new byte[4096], 0));
        oneLine(CorruptImageException.class, log, "xfs log block", "outside the filesystem");
    }

    @Test
    void inodesOutsideTheFilesystemAreAnError() throws IOException {
        SyntheticLog log = SyntheticLog.on("xfs-kernel-v5");
        Node n = node(log, "/k/hl_a");
        List<byte[]> item = chmod(log, n, 0100600, 1, 1);
        SyntheticLog.le64(item.get(0), 16, 1L << 40);
        log.commit(item);
        oneLine(CorruptImageException.class, log, "xfs");
    }

    @Test
    void unknownItemTypesAreAnError() throws IOException {
        SyntheticLog log = SyntheticLog.on("xfs-kernel-v5");
        log.commit(SyntheticLog.intent(0x1300, 1));
        oneLine(CorruptImageException.class, log, "xfs log block", "unrecognised log item type 0x1300");
    }

    @Test
    void absurdRegionCountsAreAnError() throws IOException {
        SyntheticLog log = SyntheticLog.on("xfs-kernel-v5");
        List<byte[]> item = relabel(log, "x");
        SyntheticLog.le16(item.get(0), 2, 60000);
        log.commit(item);
        oneLine(CorruptImageException.class, log, "xfs log block", "regions");
    }

    @Test
    void aPendingBmapIntentIsRefusedByName() throws IOException {
        SyntheticLog log = SyntheticLog.on("xfs-kernel-v5");
        log.commit(SyntheticLog.intent(LogItem.BUI, 77));
        oneLine(UnsupportedFeatureException.class, log, "xfs log block", "BUI");
    }

    /** The intents whose finishing would change a file (bmap, xattr, mapping exchange): each refused by its name. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"4676, BUI (bmap update intent)",
        "4678, ATTRI (xattr update intent)", "4680, XMI (mapping exchange intent)"})
    void pendingIntentsThatChangeFilesAreRefusedByName(int type, String name) throws IOException {
        SyntheticLog log = SyntheticLog.on("xfs-kernel-v5");
        log.commit(SyntheticLog.intent(type, 78));
        oneLine(UnsupportedFeatureException.class, log, "xfs log block", name);
    }

    @Test
    void finishedIntentsAndPendingFreesAreFine() throws IOException {
        SyntheticLog log = SyntheticLog.on("xfs-kernel-v5");
        log.commit(SyntheticLog.intent(LogItem.BUI, 77), SyntheticLog.intent(LogItem.EFI, 5));
        log.commit(SyntheticLog.intent(LogItem.BUD, 77));
        try (GuestFileSystem fs = open(log)) {
            assertTrue(fs.warnings().stream().anyMatch(w -> w.contains("unfinished EFI")), fs.warnings().toString());
        }
    }

    /**
     * A pending EFI's extents count as free, as the kernel frees them at mount; finished, or beside a pending refcount
     * intent (whose finishing may free the same blocks), they do not.
     */
    @Test
    void pendingExtentFreesCountAsFreeUnlessARefcountIntentIsPendingToo() throws IOException {
        long done = freeBlocks(SyntheticLog.intent(LogItem.EFI, 9), SyntheticLog.intent(LogItem.EFD, 9));
        assertEquals(done + 7 + 5, freeBlocks(efi(9, 7, 5)));
        assertEquals(done, freeBlocks(efi(9, 7, 5), SyntheticLog.intent(LogItem.CUI, 10)));
    }

    /** Free blocks after replaying a transaction of {@code item}, then one transaction for each of {@code more}. */
    @SafeVarargs
    private static long freeBlocks(List<byte[]> item, List<byte[]>... more) throws IOException {
        SyntheticLog log = SyntheticLog.on("xfs-kernel-v5");
        log.commit(item);
        for (List<byte[]> m : more) {
            log.commit(m);
        }
        try (GuestFileSystem fs = open(log)) {
            return fs.statfs().freeBlocks();
        }
    }

    /** An xfs_efi_log_format with one 64-bit xfs_extent per length, at made-up blocks. */
    private static List<byte[]> efi(long id, int... lengths) {
        byte[] f = new byte[16 + 16 * lengths.length];
        SyntheticLog.le16(f, 0, LogItem.EFI);
        SyntheticLog.le16(f, 2, 1);
        SyntheticLog.le32(f, 4, lengths.length);
        SyntheticLog.le64(f, 8, id);
        for (int i = 0; i < lengths.length; i++) {
            SyntheticLog.le64(f, 16 + 16 * i, 100 + 20L * i);
            SyntheticLog.le32(f, 16 + 16 * i + 8, lengths[i]);
        }
        return List.of(f);
    }

    @Test
    void bigEndianLogsAreRefusedByName() throws IOException {
        SyntheticLog log = SyntheticLog.on("xfs-kernel-v5");
        log.fmt = 2;
        log.commit(relabel(log, "be"));
        oneLine(UnsupportedFeatureException.class, log, "xfs log block", "format 2");
    }
}
