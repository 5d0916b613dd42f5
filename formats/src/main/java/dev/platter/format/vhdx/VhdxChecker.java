package dev.platter.format.vhdx;

import dev.platter.core.image.ImageCheck;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * qemu-img check for vhdx (qemu's vhdx_co_check): every fully present BAT entry must start before the end of the
 * file and end at or before it (the last block may be partial), and a payload block must not overlap the log or a
 * region; a log replayed on disk when opening for the repair is one corruption fixed. Platter adds one thing qemu
 * cannot have: a log replayed only in memory (a read-only check) is one corruption, which {@code -r all} repairs.
 */
final class VhdxChecker {
    private VhdxChecker() {
    }

    static ImageCheck check(VhdxImage image, FileRegions regions, ImageCheck.Repair repair) throws IOException {
        String name = image.storage().name();
        List<String> messages = new ArrayList<>(batProblems(image, regions, false));
        long corruptions = messages.size();
        if (image.logState() == VhdxImage.LogState.REPLAYED_IN_MEMORY) {
            corruptions++;
            messages.add("The log has not been replayed on disk (the image was read through an in-memory replay); "
                    + "to replay it, run check -r all");
        }
        long fixed = image.logState() == VhdxImage.LogState.REPLAYED_ON_DISK ? 1 : 0;
        return new ImageCheck(name, VhdxFormat.NAME, 0, 0, corruptions, 0, fixed, 0, 0, 0, 0, 0, messages, null);
    }

    /**
     * qemu's vhdx_check_bat_entries, with its messages; the overlap of a payload block with the log or a region has
     * none in qemu and gets one here. Like qemu, the payload/bitmap alternation is counted over fully present
     * entries only, and a block's length is cut at the disk's end counted from its BAT index (not its block number).
     */
    static List<String> batProblems(VhdxImage image, FileRegions regions, boolean firstOnly) throws IOException {
        List<String> out = new ArrayList<>();
        Bat bat = image.bat();
        long fileSize = image.data().size();
        long blockSize = image.blockSize();
        // qemu cuts at total_sectors * 512: the size with 512-byte sectors; with 4096-byte ones qemu's count is
        // an eighth of the disk (it takes logical sectors for 512-byte ones), and Platter takes the size.
        long sectorsTimes512 = image.size();
        long payblocks = bat.chunkRatio();
        for (long i = 0; i < bat.size(); i++) {
            long entry = bat.entry(i);
            if (BlockState.of(entry) != BlockState.FULLY_PRESENT) {
                continue;
            }
            long offset = BlockState.offset(entry);
            long rest = sectorsTimes512 - i * blockSize;
            long length = rest <= 0 ? blockSize : Math.min(blockSize, rest);
            if (Long.compareUnsigned(offset, Long.MAX_VALUE - blockSize) > 0) {
                out.add("VHDX BAT entry " + i + " offset overflow.");
            } else if (offset >= fileSize) {
                out.add("VHDX BAT entry " + i + " start offset " + offset + " points after end of file ("
                        + fileSize + "). Image has probably been truncated.");
            } else if (offset + length > fileSize) {
                out.add("VHDX BAT entry " + i + " end offset " + (offset + length - 1) + " points after end of "
                        + "file (" + fileSize + "). Image has probably been truncated.");
            }
            if (firstOnly && !out.isEmpty()) {
                return out;
            }
            if (payblocks-- != 0) {
                if (Long.compareUnsigned(offset, Long.MAX_VALUE - blockSize) <= 0
                        && regions.overlaps(offset, blockSize)) {
                    out.add("VHDX BAT entry " + i + " (block at " + offset + ") overlaps the log or a region");
                }
            } else {
                payblocks = bat.chunkRatio();
            }
            if (firstOnly && !out.isEmpty()) {
                return out;
            }
        }
        return out;
    }
}
