package dev.platter.inspect.ext4;

import java.util.ArrayList;
import java.util.List;

/**
 * One tag of a jbd2 descriptor block: the filesystem block that the next log block is a copy of, its flags and, with
 * checksums v2/v3, the checksum of that copy. Layouts: {@code journal_block_tag_t} (block, 16-bit checksum, 16-bit
 * flags, block high; 8 bytes without 64bit, +2 with csum v2) and {@code journal_block_tag3_t} (block, 32-bit flags,
 * block high, 32-bit checksum; 16 bytes). A tag without SAME_UUID is followed by a 16-byte UUID.
 *
 * @param block    the filesystem block number (the high half only with the 64bit feature)
 * @param flags    ESCAPE, SAME_UUID, DELETED, LAST_TAG
 * @param checksum the stored checksum (16 bits for v2, 32 for v3; 0 without checksums)
 */
record JournalBlockTag(long block, int flags, int checksum) {
    static final int FLAG_ESCAPE = 0x1;
    static final int FLAG_SAME_UUID = 0x2;
    static final int FLAG_DELETED = 0x4;
    static final int FLAG_LAST_TAG = 0x8;
    /** Size of the header (magic, type, sequence) that starts every journal metadata block. */
    static final int HEADER = 12;

    boolean escaped() {
        return (flags & FLAG_ESCAPE) != 0;
    }

    /**
     * The tags of descriptor block {@code b}, as the kernel walks them: from byte 12 while a whole tag fits before
     * the checksum tail, skipping the UUID after a tag without SAME_UUID, up to and including the LAST_TAG one. The
     * list holds at most block size / 8 tags, so it is bounded by construction.
     */
    static List<JournalBlockTag> parse(byte[] b, JournalSuperblock jsb) {
        int tagBytes = jsb.tagBytes();
        int limit = b.length - jsb.tailBytes();
        boolean csum3 = jsb.hasIncompat(JournalSuperblock.INCOMPAT_CSUM_V3);
        boolean csum2 = jsb.hasIncompat(JournalSuperblock.INCOMPAT_CSUM_V2);
        List<JournalBlockTag> tags = new ArrayList<>();
        int p = HEADER;
        while (p + tagBytes <= limit) {
            long block = Be.u32(b, p);
            int flags = Be.u16(b, p + 6);
            if (jsb.is64Bit()) {
                block |= Be.u32(b, p + 8) << 32;
            }
            int checksum = csum3 ? Be.i32(b, p + 12) : csum2 ? Be.u16(b, p + 4) : 0;
            tags.add(new JournalBlockTag(block, flags, checksum));
            p += tagBytes;
            if ((flags & FLAG_SAME_UUID) == 0) {
                p += 16;
            }
            if ((flags & FLAG_LAST_TAG) != 0) {
                break;
            }
        }
        return tags;
    }
}
