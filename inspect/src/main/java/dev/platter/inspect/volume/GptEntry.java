package dev.platter.inspect.volume;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * One GPT partition entry (UEFI 2.10 section 5.3.3).
 *
 * @param typeGuid   the partition type; all zero marks an unused slot
 * @param uniqueGuid the unique partition GUID (PARTUUID)
 * @param firstLba   first LBA
 * @param lastLba    last LBA, inclusive
 * @param attributes attribute bits
 * @param name       the UTF-16LE name up to its first NUL
 */
public record GptEntry(UUID typeGuid, UUID uniqueGuid, long firstLba, long lastLba, long attributes, String name) {
    public static final int MIN_SIZE = 128;
    private static final int NAME_OFFSET = 0x38;
    private static final int NAME_BYTES = 72;

    /** The entry at {@code off}, or null for an unused slot. */
    public static GptEntry parse(byte[] b, int off) {
        if (Guids.isZero(b, off)) {
            return null;
        }
        int len = 0;
        while (len < NAME_BYTES && (b[off + NAME_OFFSET + len] != 0 || b[off + NAME_OFFSET + len + 1] != 0)) {
            len += 2;
        }
        String name = new String(b, off + NAME_OFFSET, len, StandardCharsets.UTF_16LE);
        return new GptEntry(Guids.parseMixedEndian(b, off), Guids.parseMixedEndian(b, off + 16),
                LittleEndian.u64(b, off + 0x20), LittleEndian.u64(b, off + 0x28), LittleEndian.u64(b, off + 0x30),
                name);
    }
}
