package dev.platter.inspect.volume;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.platter.core.BlockDevice;
import dev.platter.core.SliceDevice;
import dev.platter.inspect.testing.MemoryDisk;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing of the partition-table readers (MBR with EBR chains, GPT primary and backup). The first
 * input byte picks the sector size (probe, 512, 4096); the rest is the whole disk. The seeds
 * (PartitionTableFuzzTestInputs) are small disks made by sfdisk: an MBR with an extended partition and two logicals,
 * a GPT with a 4-entry array, the same GPT with 4096-byte sectors.
 *
 * <p>Beyond "no crash": every partition lies inside the disk and has a length, numbers are unique and positive,
 * at most 255 partitions (Linux's limit), and every data partition can be probed for its content.
 */
class PartitionTableFuzzTest {
    private static final int[] SECTOR_SIZES = {PartitionTables.PROBE, 512, 4096};

    @FuzzTest(maxDuration = "10m")
    void readTable(byte[] data) throws IOException {
        if (data.length == 0) {
            return;
        }
        int sectorSize = SECTOR_SIZES[(data[0] & 0xFF) % SECTOR_SIZES.length];
        byte[] bytes = Arrays.copyOfRange(data, 1, data.length);
        BlockDevice disk = new MemoryDisk(bytes.length).put(0, bytes).device();
        List<String> warnings = new ArrayList<>();
        PartitionTable table;
        try {
            table = PartitionTables.read(disk, sectorSize, warnings);
        } catch (IOException damaged) {
            return;
        }
        if (table == null) {
            return;
        }
        assertTrue(table.sectorSize() == 512 || table.sectorSize() == 4096, "sector size " + table.sectorSize());
        assertTrue(sectorSize == PartitionTables.PROBE || table.sectorSize() == sectorSize,
                "read with " + table.sectorSize() + " when " + sectorSize + " was pinned");
        assertTrue(table.partitions().size() <= 255, table.partitions().size() + " partitions");
        Set<Integer> numbers = new HashSet<>();
        for (Partition p : table.partitions()) {
            assertTrue(p.number() > 0 && numbers.add(p.number()), "partition number " + p.number() + " in " + table);
            assertTrue(p.start() >= 0 && p.length() > 0 && p.end() <= disk.size(),
                    "partition " + p + " outside a disk of " + disk.size());
            if (!p.isExtended()) {
                try {
                    ContentProbe.identify(SliceDevice.of(disk, p.start(), p.length(), "partition " + p.number()));
                } catch (IOException unreadable) {
                    // a damaged signature inside the partition
                }
            }
        }
    }

    /** The seeds are the tables they are named after, read without a warning: the fuzzer starts from valid ones. */
    @Test
    void seedsAreValidTables() throws IOException {
        for (String[] seed : new String[][] {{"mbr-extended-512", "msdos", "5"}, {"gpt-4-entries-probe", "gpt", "2"},
            {"gpt-4096-sectors", "gpt", "2"}, {"gpt-4096-sectors-probe", "gpt", "2"}}) {
            byte[] data;
            try (InputStream in = getClass().getResourceAsStream("PartitionTableFuzzTestInputs/readTable/" + seed[0])) {
                data = in.readAllBytes();
            }
            BlockDevice disk = new MemoryDisk(data.length - 1).put(0, Arrays.copyOfRange(data, 1, data.length)).device();
            List<String> warnings = new ArrayList<>();
            PartitionTable table = PartitionTables.read(disk, SECTOR_SIZES[data[0]], warnings);
            assertEquals(seed[1], table.scheme(), seed[0]);
            assertEquals(Integer.parseInt(seed[2]), table.partitions().size(), seed[0]);
            assertEquals(List.of(), warnings, seed[0]);
            assertEquals(List.of(), table.warnings(), seed[0]);
        }
    }
}
