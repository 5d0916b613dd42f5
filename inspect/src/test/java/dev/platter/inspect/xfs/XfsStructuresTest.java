package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The on-disk structures from synthetic bytes: cases the generated images do not reach. */
class XfsStructuresTest {

    @Test
    void daHashMatchesTheValuesXfsDbPrints() {
        assertEquals(0x2E, DaHash.hash(bytes("."), false));
        assertEquals(0x172E, DaHash.hash(bytes(".."), false));
        assertEquals(0x63BE03AA, DaHash.hash(bytes("file_000000_"), false));
        assertEquals(DaHash.hash(bytes("readme"), false), DaHash.hash(bytes("README"), true));
        assertTrue(DaHash.sameName(bytes("ReadMe"), bytes("rEADME"), true));
        assertFalse(DaHash.sameName(bytes("ReadMe"), bytes("rEADME"), false));
    }

    @Test
    void extentRecordsDecodeEveryField() {
        long startOff = (1L << 54) - 3;
        long startBlock = (1L << 52) - 5;
        long count = (1L << 21) - 7;
        byte[] b = ByteBuffer.allocate(16)
                .putLong(Long.MIN_VALUE | (startOff << 9) | (startBlock >>> 43))
                .putLong((startBlock << 21) | count).array();
        BmbtRecord r = BmbtRecord.parse(b, 0);
        assertEquals(startOff, r.startOff());
        assertEquals(startBlock, r.startBlock());
        assertEquals(count, r.blockCount());
        assertTrue(r.unwritten());
    }

    @Test
    void timestampsInBothEncodings() {
        byte[] b = ByteBuffer.allocate(8).putInt(-2147483648).putInt(5).array();
        assertEquals(Instant.ofEpochSecond(-2147483648L, 5), XfsTimestamp.decode(b, 0, false));
        // bigtime: nanoseconds since 1901-12-13T20:45:52Z; 2200-01-01 and the epoch itself.
        long y2200 = 7258118400L;
        b = ByteBuffer.allocate(8).putLong((y2200 + (1L << 31)) * 1_000_000_000L + 42).array();
        assertEquals(Instant.ofEpochSecond(y2200, 42), XfsTimestamp.decode(b, 0, true));
        b = ByteBuffer.allocate(8).putLong(0).array();
        assertEquals(Instant.parse("1901-12-13T20:45:52Z"), XfsTimestamp.decode(b, 0, true));
        b = ByteBuffer.allocate(8).putLong(-1L).array(); // the largest u64: year 2486
        assertEquals(2486, XfsTimestamp.decode(b, 0, true).atZone(java.time.ZoneOffset.UTC).getYear());
    }

    @Test
    void shortformDirectoryWithEightByteInodeNumbers() throws CorruptImageException {
        // count 2, i8count 1 (all numbers 8 bytes), parent 0x1_0000_0080; entries "a" and "bc" with ftype.
        ByteBuffer b = ByteBuffer.allocate(64);
        b.put((byte) 2).put((byte) 1).putLong(0x1_0000_0080L);
        b.put((byte) 1).putShort((short) 0x60).put(bytes("a")).put((byte) 1).putLong(0x2_0000_0001L);
        b.put((byte) 2).putShort((short) 0x70).put(bytes("bc")).put((byte) 2).putLong(0x3_0000_0002L);
        DirShortform sf = DirShortform.parse(b.array(), b.position(), true, 0, "test");
        assertEquals(0x1_0000_0080L, sf.parent());
        assertEquals(2, sf.entries().size());
        assertArrayEquals(bytes("bc"), sf.entries().get(1).name());
        assertEquals(0x3_0000_0002L, sf.entries().get(1).inumber());
        assertEquals(2, sf.entries().get(1).ftype());
        // The same bytes claiming one more entry than they hold are refused, not over-read.
        byte[] bad = b.array().clone();
        bad[0] = 3;
        assertThrows(CorruptImageException.class, () -> DirShortform.parse(bad, 30, true, 0, "test"));
    }

    @Test
    void dataEntriesCheckTheirTagAndBounds() throws CorruptImageException {
        ByteBuffer b = ByteBuffer.allocate(64);
        b.putLong(16, 131).put(24, (byte) 3).put(25, (byte) 'a').put(26, (byte) 'b').put(27, (byte) 'c')
                .put(28, (byte) 1).putShort(30, (short) 16);
        DirDataEntry e = DirDataEntry.parse(b.array(), 16, 64, true, 0, "test");
        assertEquals(131, e.inumber());
        assertEquals(16, e.size());
        b.putShort(30, (short) 24);
        assertThrows(CorruptImageException.class, () -> DirDataEntry.parse(b.array(), 16, 64, true, 0, "test"));
        b.putShort(16, (short) 0xFFFF).putShort(18, (short) 48);
        DirDataEntry free = DirDataEntry.parse(b.array(), 16, 64, true, 0, "test");
        assertTrue(free.unused());
        b.putShort(18, (short) 56);
        assertThrows(CorruptImageException.class, () -> DirDataEntry.parse(b.array(), 16, 64, true, 0, "test"));
    }

    @Test
    void posixAclsBecomeTheLinuxXattrForm() throws CorruptImageException {
        // user::rw-, user:1000:rw-, group::r--, group:10:r--, mask::rw-, other::r--
        int[][] entries = {{0x01, 7, 6}, {0x02, 1000, 6}, {0x04, 9, 4}, {0x08, 10, 4}, {0x10, 0, 6}, {0x20, 0, 4}};
        ByteBuffer x = ByteBuffer.allocate(4 + entries.length * 12).putInt(entries.length);
        for (int[] e : entries) {
            x.putInt(e[0]).putInt(e[1]).putShort((short) e[2]).putShort((short) 0);
        }
        ByteBuffer l = ByteBuffer.wrap(PosixAcl.toLinux(x.array(), "test")).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(2, l.getInt());
        for (int[] e : entries) {
            assertEquals(e[0], l.getShort());
            assertEquals(e[2], l.getShort());
            assertEquals(e[0] == 0x02 || e[0] == 0x08 ? e[1] : -1, l.getInt());
        }
        x.putInt(0, 100000);
        assertThrows(CorruptImageException.class, () -> PosixAcl.toLinux(x.array(), "test"));
    }

    @Test
    void btreeRootPointersFollowMaxrecsNotNumrecs() throws CorruptImageException {
        int fork = 4 + 16 * 20; // maxrecs 20
        ByteBuffer b = ByteBuffer.allocate(fork).putShort((short) 1).putShort((short) 2);
        b.putLong(4, 0).putLong(12, 100);
        b.putLong(4 + 20 * 8, 777).putLong(4 + 20 * 8 + 8, 888);
        BmbtRoot root = BmbtRoot.parse(b.array(), "test", 0);
        assertArrayEquals(new long[] {777, 888}, root.ptrs());
        assertEquals(0, BmbtRoot.childIndex(root.keys(), 2, 99));
        assertEquals(1, BmbtRoot.childIndex(root.keys(), 2, 100));
        b.putShort(0, (short) 11);
        assertThrows(CorruptImageException.class, () -> BmbtRoot.parse(b.array(), "test", 0));
    }

    @Test
    void checksumsAreCrc32cWithTheFieldZeroed() {
        byte[] b = new byte[512];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) i;
        }
        long crc = MetadataChecksums.compute(b, 0, 512, 0x64);
        b[0x64] = (byte) crc;
        b[0x65] = (byte) (crc >> 8);
        b[0x66] = (byte) (crc >> 16);
        b[0x67] = (byte) (crc >> 24);
        assertEquals(crc, MetadataChecksums.compute(b, 0, 512, 0x64), "the stored CRC does not feed itself");
        assertEquals(crc, Be.le32(b, 0x64));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
