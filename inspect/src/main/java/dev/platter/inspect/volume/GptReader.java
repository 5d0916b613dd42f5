package dev.platter.inspect.volume;

import dev.platter.core.BlockDevice;

import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Reads a GPT: the primary header and entry array with their CRCs checked, falling back to the backup (at the
 * primary's alternate LBA, or at the last LBA when the primary is unreadable) with a warning. Partitions are
 * numbered by slot as Linux does; entries past the end of the disk are skipped, each with a warning.
 */
final class GptReader {
    /** Entry arrays larger than this are refused before allocating (the usual array is 16 KiB). */
    static final long MAX_ARRAY_BYTES = 4L << 20;

    private GptReader() {
    }

    /**
     * The table (carrying its own warnings), or null when neither header is valid (the reasons are then added to
     * {@code failures}).
     */
    static PartitionTable read(BlockDevice disk, int sectorSize, List<String> failures) throws IOException {
        List<String> warnings = new ArrayList<>();
        long lastLba = disk.size() / sectorSize - 1;
        List<String> problems = new ArrayList<>();
        Copy primary = readCopy(disk, sectorSize, 1, lastLba, "primary", problems);
        Copy used = primary;
        if (primary == null) {
            GptHeader raw = rawHeader(disk, sectorSize, 1);
            long backupLba = raw != null && raw.crcValid() && raw.alternateLba() > 1 && raw.alternateLba() <= lastLba
                    ? raw.alternateLba() : lastLba;
            used = readCopy(disk, sectorSize, backupLba, lastLba, "backup", problems);
            if (used == null && backupLba != lastLba) {
                used = readCopy(disk, sectorSize, lastLba, lastLba, "backup", problems);
            }
            if (used == null) {
                failures.addAll(problems);
                return null;
            }
            warnings.addAll(problems);
            warnings.add("the primary GPT is damaged: using the backup GPT at LBA " + used.header.myLba());
        }
        List<Partition> partitions = new ArrayList<>();
        GptHeader h = used.header;
        int count = (int) Math.min(h.entryCount(), MbrReader.PARTITION_LIMIT - 1);
        for (int i = 0; i < count; i++) {
            GptEntry e = GptEntry.parse(used.entries, (int) (i * h.entrySize()));
            if (e == null) {
                continue;
            }
            int number = i + 1;
            if (e.firstLba() < 0 || e.lastLba() < 0 || e.firstLba() > lastLba || e.lastLba() > lastLba) {
                warnings.add("GPT partition " + number + " (LBA " + Long.toUnsignedString(e.firstLba()) + "-"
                        + Long.toUnsignedString(e.lastLba()) + ") lies beyond the end of the disk: skipped");
                continue;
            }
            if (e.lastLba() < e.firstLba()) {
                warnings.add("GPT partition " + number + " ends (LBA " + e.lastLba() + ") before it starts (LBA "
                        + e.firstLba() + "): skipped");
                continue;
            }
            if (e.firstLba() < h.firstUsableLba() || e.lastLba() > h.lastUsableLba()) {
                warnings.add("GPT partition " + number + " lies outside the usable LBAs " + h.firstUsableLba() + "-"
                        + h.lastUsableLba());
            }
            long start = e.firstLba() * sectorSize;
            long length = (e.lastLba() - e.firstLba() + 1) * sectorSize;
            for (Partition q : partitions) {
                if (start < q.end() && q.start() < start + length) {
                    warnings.add("GPT partition " + number + " overlaps partition " + q.number());
                }
            }
            partitions.add(new Partition(number, start, length, length, Partition.Kind.GPT, -1, false,
                    e.typeGuid(), e.uniqueGuid(), e.name()));
        }
        return new PartitionTable("gpt", sectorSize, 0, h.diskGuid(), partitions, warnings);
    }

    private record Copy(GptHeader header, byte[] entries) {
    }

    private static GptHeader rawHeader(BlockDevice disk, int sectorSize, long lba) throws IOException {
        try {
            byte[] sector = disk.readBytes(lba * sectorSize, sectorSize);
            return GptHeader.hasSignature(sector) ? GptHeader.parse(sector) : null;
        } catch (EOFException e) {
            return null;
        }
    }

    /** One validated copy (header plus entries), or null with the reason added to {@code problems}. */
    private static Copy readCopy(BlockDevice disk, int sectorSize, long lba, long lastLba, String which,
                                 List<String> problems) throws IOException {
        String where = which + " GPT header at LBA " + lba;
        if (lba < 1 || lba > lastLba) {
            problems.add(where + ": outside the disk");
            return null;
        }
        byte[] sector = disk.readBytes(lba * sectorSize, sectorSize);
        if (!GptHeader.hasSignature(sector)) {
            problems.add(where + ": no EFI PART signature");
            return null;
        }
        GptHeader h = GptHeader.parse(sector);
        if (h.headerSize() < GptHeader.MIN_SIZE || h.headerSize() > sectorSize) {
            problems.add(where + ": header size " + h.headerSize() + " out of range");
            return null;
        }
        if (!h.crcValid()) {
            problems.add(where + ": header CRC mismatch");
            return null;
        }
        if (h.myLba() != lba) {
            problems.add(where + ": says it is at LBA " + h.myLba());
            return null;
        }
        if (Long.compareUnsigned(h.firstUsableLba(), lastLba) > 0
                || Long.compareUnsigned(h.lastUsableLba(), lastLba) > 0
                || Long.compareUnsigned(h.lastUsableLba(), h.firstUsableLba()) < 0) {
            problems.add(where + ": usable LBAs " + Long.toUnsignedString(h.firstUsableLba()) + "-"
                    + Long.toUnsignedString(h.lastUsableLba()) + " do not fit the disk");
            return null;
        }
        long es = h.entrySize();
        if (es < GptEntry.MIN_SIZE || Long.bitCount(es) != 1) {
            problems.add(where + ": entry size " + es + " is not 128 × 2^n");
            return null;
        }
        long bytes = h.entryCount() * es;
        if (bytes > MAX_ARRAY_BYTES) {
            problems.add(where + ": entry array of " + h.entryCount() + " × " + es + " bytes is too large");
            return null;
        }
        if (Long.compareUnsigned(h.entriesLba(), lastLba) > 0
                || h.entriesLba() * sectorSize + bytes > disk.size()) {
            problems.add(where + ": entry array at LBA " + Long.toUnsignedString(h.entriesLba())
                    + " runs past the end of the disk");
            return null;
        }
        byte[] entries = disk.readBytes(h.entriesLba() * sectorSize, (int) bytes);
        CRC32 crc = new CRC32();
        crc.update(entries);
        if (crc.getValue() != h.entriesCrc()) {
            problems.add(where + ": entry array CRC mismatch");
            return null;
        }
        return new Copy(h, entries);
    }
}
