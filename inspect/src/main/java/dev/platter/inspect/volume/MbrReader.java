package dev.platter.inspect.volume;

import dev.platter.core.BlockDevice;

import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads an MBR partition table the way Linux does (block/partitions/msdos.c): primaries 1-4, every extended
 * primary followed as a chain of EBRs whose logical partitions are numbered from 5, extended partitions exposed
 * as a small stub. Hostile chains end instead of looping: an EBR seen before, a link outside its extended
 * partition, more than 100 links without a partition, or Linux's limit of 255 partitions.
 */
final class MbrReader {
    /** Linux's per-disk partition limit: numbers stay below it. */
    static final int PARTITION_LIMIT = 256;
    private static final int MAX_EMPTY_LINKS = 100;

    private final BlockDevice disk;
    private final int sectorSize;
    private final List<Partition> partitions = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private int nextLogical = 5;

    private MbrReader(BlockDevice disk, int sectorSize) {
        this.disk = disk;
        this.sectorSize = sectorSize;
    }

    static PartitionTable read(BlockDevice disk, int sectorSize, BootRecord mbr) throws IOException {
        MbrReader r = new MbrReader(disk, sectorSize);
        r.readPrimaries(mbr);
        r.partitions.sort((a, b) -> Integer.compare(a.number(), b.number()));
        return new PartitionTable("msdos", sectorSize, mbr.diskSignature(), null, r.partitions, r.warnings);
    }

    private void readPrimaries(BootRecord mbr) throws IOException {
        for (int slot = 1; slot <= 4; slot++) {
            MbrEntry e = mbr.entries()[slot - 1];
            if (e.isEmpty()) {
                continue;
            }
            long start = e.firstLba() * sectorSize;
            long size = e.sectors() * sectorSize;
            if (e.isExtended()) {
                // Linux exposes an extended partition as a stub of two 512-byte sectors (one logical sector on
                // larger-sector disks) so that nothing formats it by mistake.
                long stub = Math.min(size, Math.max(sectorSize, 1024));
                add(new Partition(slot, start, stub, size, Partition.Kind.EXTENDED, e.type(), e.status() == 0x80,
                        null, null, ""));
                readChain(start, size);
            } else {
                add(new Partition(slot, start, size, size, Partition.Kind.PRIMARY, e.type(), e.status() == 0x80,
                        null, null, ""));
            }
        }
    }

    /** Follows the EBR chain of the extended partition at {@code first} (bytes) of {@code firstSize} bytes. */
    private void readChain(long first, long firstSize) throws IOException {
        long thisPos = first;
        long thisSize = firstSize;
        int emptyLinks = 0;
        Set<Long> visited = new HashSet<>();
        while (true) {
            if (++emptyLinks > MAX_EMPTY_LINKS) {
                warnings.add("extended partition at byte " + first + ": more than " + MAX_EMPTY_LINKS
                        + " EBR links without a partition, chain cut");
                return;
            }
            if (nextLogical >= PARTITION_LIMIT) {
                warnings.add("extended partition at byte " + first + ": partition limit (" + (PARTITION_LIMIT - 1)
                        + ") reached, chain cut");
                return;
            }
            if (!visited.add(thisPos)) {
                warnings.add("EBR at byte " + thisPos + " is linked twice (a loop), chain cut");
                return;
            }
            byte[] sector;
            try {
                sector = disk.readBytes(thisPos, BootRecord.SIZE);
            } catch (EOFException e) {
                warnings.add("EBR at byte " + thisPos + " is past the end of the disk, chain cut");
                return;
            }
            BootRecord ebr = BootRecord.parse(sector);
            if (!ebr.hasMarker()) {
                return;
            }
            for (int i = 0; i < 4; i++) {
                MbrEntry e = ebr.entries()[i];
                if (e.isEmpty() || e.isExtended()) {
                    continue;
                }
                long offs = e.firstLba() * sectorSize;
                long size = e.sectors() * sectorSize;
                long next = thisPos + offs;
                // Entries 3 and 4 of an EBR sometimes hold garbage: keep them only when they fit.
                if (i >= 2 && (offs + size > thisSize || next < first || next + size > first + firstSize)) {
                    continue;
                }
                add(new Partition(nextLogical, next, size, size, Partition.Kind.LOGICAL, e.type(),
                        e.status() == 0x80, null, null, ""));
                emptyLinks = 0;
                if (++nextLogical >= PARTITION_LIMIT) {
                    return;
                }
            }
            MbrEntry link = null;
            for (MbrEntry e : ebr.entries()) {
                if (!e.isEmpty() && e.isExtended()) {
                    link = e;
                    break;
                }
            }
            if (link == null) {
                return;
            }
            long nextPos = first + link.firstLba() * sectorSize;
            long nextSize = link.sectors() * sectorSize;
            if (nextPos < first || nextPos >= first + firstSize) {
                warnings.add("EBR at byte " + thisPos + " links to byte " + nextPos
                        + ", outside its extended partition; chain cut");
                return;
            }
            thisPos = nextPos;
            thisSize = nextSize;
        }
    }

    /** Adds a partition as Linux would: skipped when it starts past the end, truncated when it runs past it. */
    private void add(Partition p) {
        long diskSize = disk.size();
        if (p.start() >= diskSize) {
            warnings.add("partition " + p.number() + " starts at byte " + p.start()
                    + ", beyond the end of the disk (" + diskSize + " bytes): skipped");
            return;
        }
        if (p.length() > diskSize - p.start()) {
            warnings.add("partition " + p.number() + " extends beyond the end of the disk: truncated");
            p = new Partition(p.number(), p.start(), diskSize - p.start(), p.tableLength(), p.kind(), p.mbrType(),
                    p.bootable(), p.typeGuid(), p.uniqueGuid(), p.name());
        }
        for (Partition q : partitions) {
            if (!q.isExtended() && !p.isExtended() && p.start() < q.end() && q.start() < p.end()) {
                warnings.add("partition " + p.number() + " overlaps partition " + q.number());
            }
        }
        partitions.add(p);
    }
}
