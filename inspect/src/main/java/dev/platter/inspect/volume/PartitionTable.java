package dev.platter.inspect.volume;

import java.util.List;
import java.util.UUID;

/**
 * The partitions of one disk as Linux would expose them, in partition-number order.
 *
 * @param scheme       "msdos" or "gpt" (parted's names, which libguestfs reports)
 * @param sectorSize   the logical sector size the table was read with (512 or 4096)
 * @param diskSignature the MBR disk signature (for PARTUUID=SSSSSSSS-NN), or 0
 * @param diskGuid     the GPT disk GUID, or null
 * @param partitions   the partitions, sorted by number
 * @param warnings     problems met that did not stop the reading (backup GPT used, truncated partitions ...)
 */
public record PartitionTable(String scheme, int sectorSize, long diskSignature, UUID diskGuid,
                             List<Partition> partitions, List<String> warnings) {

    public PartitionTable {
        partitions = List.copyOf(partitions);
        warnings = List.copyOf(warnings);
    }

    public boolean isGpt() {
        return scheme.equals("gpt");
    }

    /** The partition numbered {@code number}, or null. */
    public Partition partition(int number) {
        for (Partition p : partitions) {
            if (p.number() == number) {
                return p;
            }
        }
        return null;
    }
}
