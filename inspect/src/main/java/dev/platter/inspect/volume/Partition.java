package dev.platter.inspect.volume;

import java.util.UUID;

/**
 * One partition of a partition table, located in bytes on its disk.
 *
 * @param number    the number Linux and libguestfs give it: MBR primaries 1-4, logicals from 5 in chain order,
 *                  GPT slot index + 1
 * @param start     byte offset on the disk
 * @param length    length in bytes (for an MBR extended partition, the small stub Linux exposes, see
 *                  {@link #tableLength})
 * @param tableLength the length the table records (differs from {@code length} only for extended partitions)
 * @param kind      what kind of entry it is
 * @param mbrType   the MBR type byte, or -1 on GPT
 * @param bootable  MBR status 0x80
 * @param typeGuid  the GPT partition type, or null on MBR
 * @param uniqueGuid the GPT unique partition GUID (PARTUUID), or null on MBR
 * @param name      the GPT partition name (PARTLABEL), or "" on MBR
 */
public record Partition(int number, long start, long length, long tableLength, Kind kind, int mbrType,
                        boolean bootable, UUID typeGuid, UUID uniqueGuid, String name) {

    /** The kinds of partition table entries. */
    public enum Kind {
        /** An MBR primary partition (1-4). */
        PRIMARY,
        /** An MBR extended partition: a container of logical partitions, not a volume itself. */
        EXTENDED,
        /** An MBR logical partition (5 and up). */
        LOGICAL,
        /** A GPT partition. */
        GPT
    }

    public long end() {
        return start + length;
    }

    /** True for MBR extended partitions, which hold no filesystem. */
    public boolean isExtended() {
        return kind == Kind.EXTENDED;
    }

    /** The MBR type as two hex digits (virt-filesystems' MBR column), or null on GPT. */
    public String mbrId() {
        return mbrType < 0 ? null : String.format("%02x", mbrType);
    }
}
