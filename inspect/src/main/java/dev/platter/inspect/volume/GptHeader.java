package dev.platter.inspect.volume;

import java.util.UUID;
import java.util.zip.CRC32;

/**
 * A GPT header (UEFI 2.10 section 5.3.2), at LBA 1 (primary) or the last LBA (backup).
 *
 * @param headerSize      bytes covered by the header CRC
 * @param crcValid        the header CRC32 matches
 * @param myLba           where this header says it is
 * @param alternateLba    where the other header is
 * @param firstUsableLba  first LBA partitions may use
 * @param lastUsableLba   last LBA partitions may use (inclusive)
 * @param diskGuid        the disk GUID
 * @param entriesLba      where the entry array starts
 * @param entryCount      number of entries
 * @param entrySize       bytes per entry
 * @param entriesCrc      CRC32 of the entry array
 */
public record GptHeader(long headerSize, boolean crcValid, long myLba, long alternateLba, long firstUsableLba,
                        long lastUsableLba, UUID diskGuid, long entriesLba, long entryCount, long entrySize,
                        long entriesCrc) {
    public static final byte[] SIGNATURE = "EFI PART".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    public static final int MIN_SIZE = 92;

    /** True when the sector starts with "EFI PART". */
    public static boolean hasSignature(byte[] sector) {
        for (int i = 0; i < SIGNATURE.length; i++) {
            if (sector[i] != SIGNATURE[i]) {
                return false;
            }
        }
        return true;
    }

    /** Parses a header from its sector; the caller checks {@link #hasSignature} first. */
    public static GptHeader parse(byte[] sector) {
        long headerSize = LittleEndian.u32(sector, 0x0C);
        boolean crcOk = false;
        if (headerSize >= MIN_SIZE && headerSize <= sector.length) {
            byte[] copy = java.util.Arrays.copyOf(sector, (int) headerSize);
            java.util.Arrays.fill(copy, 0x10, 0x14, (byte) 0);
            CRC32 crc = new CRC32();
            crc.update(copy);
            crcOk = crc.getValue() == LittleEndian.u32(sector, 0x10);
        }
        return new GptHeader(headerSize, crcOk, LittleEndian.u64(sector, 0x18), LittleEndian.u64(sector, 0x20),
                LittleEndian.u64(sector, 0x28), LittleEndian.u64(sector, 0x30), Guids.parseMixedEndian(sector, 0x38),
                LittleEndian.u64(sector, 0x48), LittleEndian.u32(sector, 0x50), LittleEndian.u32(sector, 0x54),
                LittleEndian.u32(sector, 0x58));
    }
}
