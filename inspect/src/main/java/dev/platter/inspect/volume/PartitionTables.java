package dev.platter.inspect.volume;

import dev.platter.core.BlockDevice;
import dev.platter.core.SliceDevice;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the partition table of a disk, as Linux does: a GPT behind a protective MBR, else an MBR whose status
 * bytes are all 0x00 or 0x80. The logical sector size is taken from the caller or probed: "EFI PART" at byte 512
 * or 4096 decides for GPT; for an MBR, 4096 is chosen only when the 512-byte reading finds nothing recognisable
 * in its partitions and the 4096-byte reading does.
 */
public final class PartitionTables {
    /** Probe the logical sector size. */
    public static final int PROBE = 0;

    private PartitionTables() {
    }

    /**
     * The partition table of {@code disk}, or null when it has none (a whole-disk filesystem or PV, or nothing).
     *
     * @param sectorSize 512, 4096, or {@link #PROBE}
     * @param warnings   receives problems that did not stop the reading
     */
    public static PartitionTable read(BlockDevice disk, int sectorSize, List<String> warnings) throws IOException {
        if (sectorSize != PROBE && sectorSize != 512 && sectorSize != 4096) {
            throw new IllegalArgumentException("sector size must be 512 or 4096, not " + sectorSize);
        }
        if (disk.size() < BootRecord.SIZE) {
            return null;
        }
        BootRecord mbr = BootRecord.parse(disk.readBytes(0, BootRecord.SIZE));
        if (!mbr.hasMarker()) {
            return null;
        }
        if (mbr.isProtective()) {
            int ss = sectorSize != PROBE ? sectorSize : probeGptSectorSize(disk);
            return GptReader.read(disk, ss, warnings);
        }
        if (!mbr.statusValid()) {
            return null;  // a filesystem boot sector (FAT, NTFS), not a table
        }
        Content atZero = ContentProbe.identify(disk);
        if (atZero != null && (atZero.needsDriver() || atZero.type().equals("LVM2_member"))) {
            warnings.add("the disk starts with a " + atZero.type() + " signature and also ends its first sector"
                    + " in 55 AA: read as a whole-disk " + atZero.type() + ", not as an MBR");
            return null;
        }
        if (sectorSize != PROBE) {
            return MbrReader.read(disk, sectorSize, mbr);
        }
        PartitionTable small = MbrReader.read(disk, 512, mbr);
        if (recognisable(disk, small)) {
            return small;
        }
        PartitionTable large = MbrReader.read(disk, 4096, mbr);
        return recognisable(disk, large) ? large : small;
    }

    private static int probeGptSectorSize(BlockDevice disk) throws IOException {
        if (disk.size() >= 1024 && GptHeader.hasSignature(disk.readBytes(512, 8))) {
            return 512;
        }
        if (disk.size() >= 4096 + 512 && GptHeader.hasSignature(disk.readBytes(4096, 8))) {
            return 4096;
        }
        return 512;
    }

    /** True when some data partition of the table starts with a known signature. */
    private static boolean recognisable(BlockDevice disk, PartitionTable table) throws IOException {
        for (Partition p : table.partitions()) {
            if (p.isExtended() || p.length() < 4096) {
                continue;
            }
            if (ContentProbe.identify(SliceDevice.of(disk, p.start(), p.length(), "partition " + p.number()))
                    != null) {
                return true;
            }
        }
        return false;
    }

    /** Convenience for tests and tools: the table with its warnings collected into a fresh list. */
    public static PartitionTable read(BlockDevice disk, int sectorSize) throws IOException {
        return read(disk, sectorSize, new ArrayList<>());
    }
}
