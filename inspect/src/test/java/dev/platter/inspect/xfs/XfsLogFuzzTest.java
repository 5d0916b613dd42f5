package dev.platter.inspect.xfs;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.platter.core.BlockDevice;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.GuestFileSystem;
import dev.platter.inspect.testing.FsInvariants;
import dev.platter.inspect.testing.FuzzPatches;
import dev.platter.inspect.testing.MemoryDisk;
import dev.platter.inspect.testing.OverlayDevice;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing of XFS log recovery: the input damages the sectors that opening a filesystem with a
 * dirty log reads (the log's records and the blocks replay reads), on three bases: the kernel-made dirty v5 fixture
 * (xfs-kernel-dirty), and hand-made logs ({@link SyntheticLog}) on the v4 and v5 fixtures. The first byte picks the
 * base and whether the damaged records' CRCs are recomputed (so that damage reaches the transaction and item
 * parsers instead of stopping at the CRC); the rest are patches ({@link FuzzPatches}). Every input is opened with
 * replay and walked with {@link FsInvariants}: an IOException is the expected answer to damage.
 */
class XfsLogFuzzTest {
    private static final int BASES = 3;
    private static final FuzzPatches[] PATCHES = new FuzzPatches[BASES];
    private static final Superblock[] SUPERS = new Superblock[BASES];

    private static MemoryDisk build(int which) throws IOException {
        switch (which) {
            case 0 -> {
                return SyntheticLog.load("xfs-kernel-dirty");
            }
            default -> {
                SyntheticLog log = SyntheticLog.on(which == 1 ? "xfs-kernel-v4" : "xfs-kernel-v5");
                byte[] sector = log.disk.get(0, 512);
                System.arraycopy("fuzzed".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, sector, 0x6C, 6);
                long rootPos = new Geometry(log.sb).inodeByte(log.sb.rootIno());
                int bs = log.sb.blockSize();
                long blockPos = rootPos & ~((long) bs - 1);
                byte[] l = SyntheticLog.logDinode(log.disk.get(rootPos, log.sb.inodeSize()), 0, log.sb.isV5());
                SyntheticLog.le16(l, 2, 040700);
                byte[] fork = log.disk.get(rootPos + (log.sb.isV5() ? 176 : 100), 64);
                log.commit(SyntheticLog.buffer(0, 1, 0, sector, 0),
                        SyntheticLog.inode(log.sb.rootIno(), blockPos / 512, bs / 512, (int) (rootPos - blockPos),
                                LogInodeFormat.CORE | LogInodeFormat.DDATA, l, fork),
                        SyntheticLog.intent(LogItem.EFI, 9));
                log.commit(SyntheticLog.intent(LogItem.EFD, 9), SyntheticLog.intent(LogItem.RUI, 3));
                return log.disk;
            }
        }
    }

    private static synchronized FuzzPatches base(int which) {
        if (PATCHES[which] == null) {
            try {
                MemoryDisk disk = build(which);
                SUPERS[which] = Superblock.parse(disk.get(0, 512));
                PATCHES[which] = FuzzPatches.recordedBy(disk.device(), d -> {
                    try (GuestFileSystem fs = XfsFileSystem.open(d, FsOptions.defaults())) {
                        fs.list(fs.rootInode());
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return PATCHES[which];
    }

    /** Recomputes the CRC of every record header in the log whose record lies inside it. */
    static void fixLogCrcs(OverlayDevice dev, Superblock sb) throws IOException {
        long start = new Geometry(sb).fsbToByte(sb.logStart(), sb.logBlocks(), "log");
        long blocks = (sb.logBlocks() << sb.blockLog()) / 512;
        byte[] block = new byte[512];
        for (long bb = 0; bb < blocks; bb++) {
            dev.read(start + bb * 512, ByteBuffer.wrap(block));
            if (!LogRecordHeader.isHeader(block, 0)) {
                continue;
            }
            LogRecordHeader h = LogRecordHeader.parse(block, 0);
            int hblks = h.headerBlocks();
            long len = h.len();
            if (len <= 0 || len > LogRecordHeader.MAX_RECORD_SIZE || bb + hblks + h.dataBlocks() > blocks) {
                continue;
            }
            byte[] headers = new byte[hblks * 512];
            dev.read(start + bb * 512, ByteBuffer.wrap(headers));
            byte[] data = new byte[(int) h.dataBlocks() * 512];
            dev.read(start + (bb + hblks) * 512, ByteBuffer.wrap(data));
            long crc = LogRecordHeader.checksum(headers, hblks, data, (int) len, LogRecordHeader.CRC_SIZE);
            for (int i = 0; i < 4; i++) {
                dev.patch(start + bb * 512 + 32 + i, (byte) (crc >>> (8 * i)));
            }
        }
    }

    @FuzzTest(maxDuration = "10m")
    void replayDamagedLog(byte[] data) throws IOException {
        int choice = data.length == 0 ? 0 : data[0] & 0xFF;
        int which = choice % BASES;
        OverlayDevice damaged = base(which).apply(data, 1);
        if ((choice & 0x80) != 0) {
            fixLogCrcs(damaged, SUPERS[which]);
        }
        try (GuestFileSystem fs = XfsFileSystem.open(damaged, FsOptions.defaults())) {
            new FsInvariants(16 * 1024).check(fs);
        } catch (IOException refused) {
            // damage found while replaying or reading: the expected answer
        }
    }

    /** The bases open, replay and walk cleanly, and give the fuzzer log sectors to work on. */
    @Test
    void basesReplay() throws IOException {
        for (int i = 0; i < BASES; i++) {
            assertTrue(base(i).units() > 4, "base " + i + ": " + base(i).units() + " sectors");
            BlockDevice d = base(i).apply(new byte[0], 0);
            try (GuestFileSystem fs = XfsFileSystem.open(d, FsOptions.defaults())) {
                new FsInvariants(1 << 20).check(fs);
                List<String> w = fs.warnings();
                assertTrue(String.valueOf(fs.journalReplay()).startsWith("log replayed in memory"), "base " + i
                        + ": " + fs.journalReplay() + " " + w);
            }
        }
    }
}
