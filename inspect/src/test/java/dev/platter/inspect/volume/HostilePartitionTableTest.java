package dev.platter.inspect.volume;

import dev.platter.inspect.testing.MemoryDisk;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Damaged and malicious partition tables: partial results with warnings, never a loop, a crash or a huge array. */
class HostilePartitionTableTest {
    private static final long MIB = 1 << 20;

    private static boolean anyWarning(PartitionTable t, String fragment) {
        return t.warnings().stream().anyMatch(w -> w.contains(fragment));
    }

    @Test
    void ebrChainLoopingBackToItselfEnds() throws IOException {
        MemoryDisk d = new MemoryDisk(64 * MIB);
        d.mbrEntry(0, 0, 0, 0x05, 2048, 100_000);
        // EBR at 2048: a logical, and a link back to the same EBR.
        d.mbrEntry(2048 * 512, 0, 0, 0x83, 63, 100);
        d.mbrEntry(2048 * 512, 1, 0, 0x05, 0, 1000);
        PartitionTable t = PartitionTables.read(d.device(), 512);
        assertEquals(List.of(1, 5), t.partitions().stream().map(Partition::number).toList());
        assertTrue(anyWarning(t, "loop"), t.warnings().toString());
    }

    @Test
    void ebrChainWithTwoRecordsInACycleEnds() throws IOException {
        MemoryDisk d = new MemoryDisk(64 * MIB);
        d.mbrEntry(0, 0, 0, 0x0F, 2048, 100_000);
        d.mbrEntry(2048 * 512, 0, 0, 0x83, 63, 100);
        d.mbrEntry(2048 * 512, 1, 0, 0x05, 5000, 1000);
        d.mbrEntry((2048 + 5000) * 512, 0, 0, 0x83, 63, 100);
        d.mbrEntry((2048 + 5000) * 512, 1, 0, 0x05, 0, 1000);  // back to the first EBR
        PartitionTable t = PartitionTables.read(d.device(), 512);
        assertEquals(List.of(1, 5, 6), t.partitions().stream().map(Partition::number).toList());
        assertTrue(anyWarning(t, "loop"));
    }

    @Test
    void emptyEbrLinksAreCapped() throws IOException {
        MemoryDisk d = new MemoryDisk(64 * MIB);
        d.mbrEntry(0, 0, 0, 0x05, 2048, 200_000);
        for (int i = 0; i < 150; i++) {  // EBRs with no logical partition, each linking to the next
            d.mbrEntry((2048 + i * 10L) * 512, 1, 0, 0x05, (i + 1) * 10L, 10);
        }
        PartitionTable t = PartitionTables.read(d.device(), 512);
        assertEquals(List.of(1), t.partitions().stream().map(Partition::number).toList());
        assertTrue(anyWarning(t, "without a partition"));
    }

    @Test
    void logicalPartitionsStopAtTheLinuxLimit() throws IOException {
        MemoryDisk d = new MemoryDisk(64 * MIB);
        d.mbrEntry(0, 0, 0, 0x05, 2048, 120_000);
        for (int i = 0; i < 300; i++) {
            long ebr = 2048 + i * 300L;
            d.mbrEntry(ebr * 512, 0, 0, 0x83, 1, 100);
            d.mbrEntry(ebr * 512, 1, 0, 0x05, (i + 1) * 300L, 300);
        }
        PartitionTable t = PartitionTables.read(d.device(), 512);
        assertEquals(255, t.partitions().get(t.partitions().size() - 1).number());
        assertEquals(1 + 251, t.partitions().size());
    }

    @Test
    void linkOutsideTheExtendedPartitionEndsTheChain() throws IOException {
        MemoryDisk d = new MemoryDisk(64 * MIB);
        d.mbrEntry(0, 0, 0, 0x05, 2048, 10_000);
        d.mbrEntry(2048 * 512, 0, 0, 0x83, 63, 100);
        d.mbrEntry(2048 * 512, 1, 0, 0x05, 50_000, 100);
        PartitionTable t = PartitionTables.read(d.device(), 512);
        assertEquals(List.of(1, 5), t.partitions().stream().map(Partition::number).toList());
        assertTrue(anyWarning(t, "outside its extended partition"));
    }

    @Test
    void partitionsPastTheEndAreSkippedOrTruncated() throws IOException {
        MemoryDisk d = new MemoryDisk(8 * MIB);
        d.mbrEntry(0, 0, 0x80, 0x83, 2048, 100_000);           // runs past the end: truncated
        d.mbrEntry(0, 1, 0, 0x83, 0xFFFF_FF00L, 0xFFL);        // starts past the end: skipped
        PartitionTable t = PartitionTables.read(d.device(), 512);
        assertEquals(List.of(1), t.partitions().stream().map(Partition::number).toList());
        assertEquals(8 * MIB - 2048 * 512, t.partition(1).length());
        assertEquals(100_000L * 512, t.partition(1).tableLength());
        assertTrue(anyWarning(t, "truncated"));
        assertTrue(anyWarning(t, "beyond the end"));
    }

    @Test
    void overlappingPartitionsAreKeptWithAWarning() throws IOException {
        MemoryDisk d = new MemoryDisk(8 * MIB);
        d.mbrEntry(0, 0, 0, 0x83, 2048, 4096);
        d.mbrEntry(0, 1, 0, 0x83, 4096, 4096);
        PartitionTable t = PartitionTables.read(d.device(), 512);
        assertEquals(2, t.partitions().size());
        assertTrue(anyWarning(t, "overlaps"));
    }

    @Test
    void badStatusByteMeansNoTable() throws IOException {
        MemoryDisk d = new MemoryDisk(8 * MIB);
        d.mbrEntry(0, 0, 0x42, 0x83, 2048, 4096);
        assertNull(PartitionTables.read(d.device(), 512));
    }

    @Test
    void wholeDiskFilesystemEndingIn55AAIsNotSplit() throws IOException {
        MemoryDisk d = new MemoryDisk(8 * MIB);
        d.mbrEntry(0, 0, 0, 0x83, 2048, 4096);
        d.put(1080, new byte[] {0x53, (byte) 0xEF});   // an ext superblock magic at byte 1024 + 0x38
        List<String> warnings = new ArrayList<>();
        assertNull(PartitionTables.read(d.device(), 512, warnings));
        assertTrue(warnings.get(0).contains("whole-disk ext"), warnings.toString());
    }

    @Test
    void gptFallsBackToTheBackupWhenThePrimaryIsDamaged() throws IOException {
        MemoryDisk d = new MemoryDisk(16 * MIB);
        d.gpt(512, new long[][] {{2048, 4095}, null, {4096, 8191}});
        PartitionTable good = PartitionTables.read(d.device(), PartitionTables.PROBE);
        assertTrue(good.warnings().isEmpty());
        d.put(512 + 40, new byte[] {1, 2, 3});          // corrupts the primary header: its CRC no longer matches
        PartitionTable t = PartitionTables.read(d.device(), PartitionTables.PROBE);
        assertNotNull(t);
        assertEquals(List.of(1, 3), t.partitions().stream().map(Partition::number).toList());
        assertEquals(good.partitions(), t.partitions());
        assertTrue(anyWarning(t, "using the backup GPT"), t.warnings().toString());
        assertTrue(anyWarning(t, "header CRC mismatch"));
    }

    @Test
    void gptWithDamagedPrimaryArrayUsesTheBackup() throws IOException {
        MemoryDisk d = new MemoryDisk(16 * MIB);
        d.gpt(512, new long[][] {{2048, 4095}});
        d.put(2 * 512 + 200, new byte[] {9});
        PartitionTable t = PartitionTables.read(d.device(), PartitionTables.PROBE);
        assertEquals(1, t.partitions().size());
        assertTrue(anyWarning(t, "entry array CRC mismatch"));
    }

    @Test
    void gptWithBothCopiesDamagedHasNoPartitions() throws IOException {
        MemoryDisk d = new MemoryDisk(16 * MIB);
        d.gpt(512, new long[][] {{2048, 4095}});
        d.put(512 + 40, new byte[] {1});
        d.put(16 * MIB - 512 + 40, new byte[] {1});
        List<String> warnings = new ArrayList<>();
        assertNull(PartitionTables.read(d.device(), PartitionTables.PROBE, warnings));
        assertEquals(2, warnings.stream().filter(w -> w.contains("CRC")).count(), warnings.toString());
    }

    @Test
    void gptEntriesBeyondTheEndOrBackwardsAreSkipped() throws IOException {
        MemoryDisk d = new MemoryDisk(16 * MIB);
        d.gpt(512, new long[][] {{2048, 4095}, {4096, 1_000_000}, {9000, 8000}, {-5, 10}});
        PartitionTable t = PartitionTables.read(d.device(), PartitionTables.PROBE);
        assertEquals(List.of(1), t.partitions().stream().map(Partition::number).toList());
        assertEquals(3, t.warnings().size(), t.warnings().toString());
    }

    @Test
    void gptWithAHugeEntryCountIsRefusedBeforeAllocating() throws IOException {
        MemoryDisk d = new MemoryDisk(16 * MIB);
        d.gpt(512, new long[][] {{2048, 4095}});
        // Rewrite the primary header with 2^31 entries and a matching header CRC; the backup stays good.
        byte[] h = d.get(512, 92);
        java.nio.ByteBuffer.wrap(h).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(0x50, Integer.MAX_VALUE)
                .putInt(0x10, 0);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(h);
        java.nio.ByteBuffer.wrap(h).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(0x10, (int) crc.getValue());
        d.put(512, h);
        PartitionTable t = PartitionTables.read(d.device(), PartitionTables.PROBE);
        assertTrue(anyWarning(t, "too large"), t.warnings().toString());
        assertEquals(1, t.partitions().size());
    }

    @Test
    void gpt4knIsFoundAtByte4096() throws IOException {
        MemoryDisk d = new MemoryDisk(32 * MIB);
        d.gpt(4096, new long[][] {{256, 511}});
        PartitionTable t = PartitionTables.read(d.device(), PartitionTables.PROBE);
        assertEquals(4096, t.sectorSize());
        assertEquals(256L * 4096, t.partition(1).start());
    }

    @Test
    void truncatedImageStillReadsItsMbr() throws IOException {
        MemoryDisk d = new MemoryDisk(1024);
        d.mbrEntry(0, 0, 0, 0x83, 1, 1);
        d.mbrEntry(0, 1, 0, 0x05, 2, 100);
        PartitionTable t = PartitionTables.read(d.device(), 512);
        assertFalse(t.partitions().isEmpty());
    }
}
