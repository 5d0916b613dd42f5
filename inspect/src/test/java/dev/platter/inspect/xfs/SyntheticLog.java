package dev.platter.inspect.xfs;

import dev.platter.inspect.testing.MemoryDisk;
import dev.platter.testdata.Fixtures;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Writes log records into the internal log of an in-memory copy of a clean filesystem image, as the kernel would
 * (op headers, transaction header, items in little-endian order, cycle numbers stamped over the first word of every
 * data block and saved in the header, record CRC), so that tests can replay hand-made transactions, including the
 * hostile ones no kernel writes. The log is zeroed first and filled from block 0 with cycle 1.
 */
final class SyntheticLog {
    final MemoryDisk disk;
    final Superblock sb;
    final long logStart;
    final long logBlocks;
    final List<Long> recordBlocks = new ArrayList<>();
    long block;
    long tid = 0x5000;
    /** The cycle every record is written with: above the cycles recorded in the fixture's v5 metadata LSNs. */
    int cycle = 100;
    /** The record format (1: little-endian Linux). */
    int fmt = 1;

    private SyntheticLog(MemoryDisk disk) throws IOException {
        this.disk = disk;
        this.sb = Superblock.parse(disk.get(0, 512));
        this.logStart = new Geometry(sb).fsbToByte(sb.logStart(), sb.logBlocks(), "log");
        this.logBlocks = (sb.logBlocks() << sb.blockLog()) / 512;
        disk.put(logStart, new byte[(int) (logBlocks * 512)]);
    }

    /** A clean committed fixture, loaded into memory, with an empty log to write into. */
    static SyntheticLog on(String fixture) throws IOException {
        return new SyntheticLog(load(fixture));
    }

    static MemoryDisk load(String fixture) throws IOException {
        Path dir = Files.createTempDirectory("xfs-log");
        Path img = Fixtures.expand(fixture + ".img", dir);
        try (InputStream in = Files.newInputStream(img)) {
            MemoryDisk disk = new MemoryDisk(Files.size(img));
            byte[] chunk = new byte[65536];
            for (long pos = 0; ; pos += chunk.length) {
                int n = in.readNBytes(chunk, 0, chunk.length);
                if (n <= 0) {
                    return disk;
                }
                for (int i = 0; i < n; i++) {
                    if (chunk[i] != 0) {
                        disk.put(pos, Arrays.copyOf(chunk, n));
                        break;
                    }
                }
            }
        } finally {
            Files.deleteIfExists(img);
            Files.deleteIfExists(dir);
        }
    }

    long logByte(long bb) {
        return logStart + bb * 512;
    }

    // ---- items ----

    static byte[] le16(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
        return b;
    }

    static byte[] le32(byte[] b, int off, long v) {
        le16(b, off, (int) v);
        le16(b, off + 2, (int) (v >>> 16));
        return b;
    }

    static byte[] le64(byte[] b, int off, long v) {
        le32(b, off, v);
        le32(b, off + 4, v >>> 32);
        return b;
    }

    /** A buffer item: its format (dirty bitmap from the chunk indexes) and one region per run of chunks. */
    static List<byte[]> buffer(long daddr, int sectors, int flags, byte[] newBytes, int... chunks) {
        int words = (sectors * 512 / 128 + 31) / 32;
        byte[] f = new byte[20 + 4 * words];
        int[] map = new int[words];
        for (int c : chunks) {
            map[c >>> 5] |= 1 << (c & 31);
        }
        List<byte[]> regions = new ArrayList<>();
        regions.add(f);
        for (int c = 0; c < words * 32; c++) {
            if ((map[c >>> 5] & (1 << (c & 31))) != 0 && (c == 0 || (map[(c - 1) >>> 5] & (1 << ((c - 1) & 31))) == 0)) {
                int n = 0;
                while (c + n < words * 32 && (map[(c + n) >>> 5] & (1 << ((c + n) & 31))) != 0) {
                    n++;
                }
                regions.add(Arrays.copyOfRange(newBytes, c * 128, (c + n) * 128));
            }
        }
        le16(f, 0, LogItem.BUF);
        le16(f, 2, regions.size());
        le16(f, 4, flags);
        le16(f, 6, sectors);
        le64(f, 8, daddr);
        le32(f, 16, words);
        for (int i = 0; i < words; i++) {
            le32(f, 20 + 4 * i, map[i]);
        }
        return regions;
    }

    /** An inode item logging the core (and optionally forks). */
    static List<byte[]> inode(long ino, long daddr, int sectors, int boffset, int fields, byte[] logDinode,
                              byte[]... forks) {
        byte[] f = new byte[56];
        le16(f, 0, LogItem.INODE);
        le16(f, 2, 2 + forks.length);
        le32(f, 4, fields);
        le64(f, 16, ino);
        le64(f, 40, daddr);
        le32(f, 48, sectors);
        le32(f, 52, boffset);
        List<byte[]> regions = new ArrayList<>(List.of(f, logDinode));
        regions.addAll(List.of(forks));
        return regions;
    }

    /** The log dinode of an on-disk inode core (big-endian) as the kernel logs it (little-endian). */
    static byte[] logDinode(byte[] disk, int off, boolean v3) {
        byte[] l = new byte[v3 ? 176 : 96];
        int[] u16 = {0, 2, 6, 20, 22, 30, 80, 88, 90};
        int[] u32 = {8, 12, 16, 72, 76, 84, 92};
        for (int o : u16) {
            le16(l, o, Be.u16(disk, off + o));
        }
        for (int o : u32) {
            le32(l, o, Be.u32(disk, off + o));
        }
        l[4] = disk[off + 4];
        l[5] = disk[off + 5];
        l[82] = disk[off + 82];
        l[83] = disk[off + 83];
        le64(l, 56, Be.u64(disk, off + 56));
        le64(l, 64, Be.u64(disk, off + 64));
        boolean bigtime = v3 && (Be.u64(disk, off + 120) & InodeCore.FLAG2_BIGTIME) != 0;
        for (int t : new int[] {32, 40, 48}) {
            timestamp(disk, off + t, l, t, bigtime);
        }
        if (v3) {
            le64(l, 24, Be.u64(disk, off + 24));
            le32(l, 96, Be.u32(disk, off + 96));
            le64(l, 104, Be.u64(disk, off + 104));
            le64(l, 120, Be.u64(disk, off + 120));
            le32(l, 128, Be.u32(disk, off + 128));
            timestamp(disk, off + 144, l, 144, bigtime);
            le64(l, 152, Be.u64(disk, off + 152));
            System.arraycopy(disk, off + 160, l, 160, 16);
        }
        return l;
    }

    private static void timestamp(byte[] disk, int off, byte[] l, int lo, boolean bigtime) {
        if (bigtime) {
            le64(l, lo, Be.u64(disk, off));
        } else {
            le32(l, lo, Be.u32(disk, off));
            le32(l, lo + 4, Be.u32(disk, off + 4));
        }
    }

    /** An intent or done item with no extents. */
    static List<byte[]> intent(int type, long id) {
        byte[] f = new byte[16];
        le16(f, 0, type);
        le16(f, 2, 1);
        le64(f, 8, id);
        return List.of(f);
    }

    // ---- records ----

    private static byte[] op(long tid, int flags, byte[] payload) {
        byte[] o = new byte[12 + payload.length];
        LogDinode.be32(o, 0, tid);
        LogDinode.be32(o, 4, payload.length);
        o[8] = 0x69;
        o[9] = (byte) flags;
        System.arraycopy(payload, 0, o, 12, payload.length);
        return o;
    }

    /** One record holding one whole transaction of {@code items}, committed unless told otherwise. */
    long commit(List<List<byte[]>> items, boolean withCommit) {
        long t = tid++;
        List<byte[]> ops = new ArrayList<>();
        ops.add(op(t, LogOpHeader.START_TRANS, new byte[0]));
        byte[] th = new byte[16];
        le32(th, 0, LogTransHeader.MAGIC);
        le32(th, 4, 40);
        le32(th, 8, t);
        le32(th, 12, items.size());
        ops.add(op(t, 0, th));
        for (List<byte[]> item : items) {
            for (byte[] region : item) {
                ops.add(op(t, 0, region));
            }
        }
        if (withCommit) {
            ops.add(op(t, LogOpHeader.COMMIT_TRANS, new byte[0]));
        }
        return record(ops);
    }

    long commit(List<byte[]>... items) {
        return commit(List.of(items), true);
    }

    /** Writes a record of these operations at the next block; returns its block. */
    long record(List<byte[]> ops) {
        int len = 0;
        for (byte[] o : ops) {
            len += o.length;
        }
        int padded = (len + 511) / 512 * 512;
        byte[] data = new byte[padded];
        int at = 0;
        for (byte[] o : ops) {
            System.arraycopy(o, 0, data, at, o.length);
            at += o.length;
        }
        byte[] h = new byte[512];
        LogDinode.be32(h, 0, 0xFEEDBABEL);
        LogDinode.be32(h, 4, cycle);
        LogDinode.be32(h, 8, 2);
        LogDinode.be32(h, 12, padded);
        LogDinode.be64(h, 16, ((long) cycle << 32) | block);
        LogDinode.be64(h, 24, ((long) cycle << 32) | (recordBlocks.isEmpty() ? block : recordBlocks.get(0)));
        LogDinode.be32(h, 36, recordBlocks.isEmpty() ? 0 : recordBlocks.get(recordBlocks.size() - 1));
        LogDinode.be32(h, 40, ops.size());
        for (int i = 0; i < padded / 512; i++) {
            System.arraycopy(data, i * 512, h, 44 + 4 * i, 4);
            LogDinode.be32(data, i * 512, cycle);
        }
        LogDinode.be32(h, 300, fmt);
        System.arraycopy(sb.uuid(), 0, h, 304, 16);
        LogDinode.be32(h, 320, 32768);
        long crc = LogRecordHeader.checksum(h, 1, data, padded, LogRecordHeader.CRC_SIZE);
        le32(h, 32, crc);
        long at0 = block;
        disk.put(logByte(block), h);
        disk.put(logByte(block + 1), data);
        recordBlocks.add(at0);
        block += 1 + padded / 512;
        return at0;
    }
}
