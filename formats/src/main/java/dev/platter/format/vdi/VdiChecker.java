package dev.platter.format.vdi;

import dev.platter.core.image.ImageCheck;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * qemu-img check for vdi (qemu's vdi_co_check): every allocated entry must name a data block inside the image and
 * no two may name the same one, and the header's allocated count must be the number of such entries. The messages
 * are qemu's, word for word (its "also used by" names the same index twice). Nothing can be repaired.
 */
final class VdiChecker {
    private VdiChecker() {
    }

    /** @param headerCount the header's allocated-block count (as the open image holds it) */
    static ImageCheck check(String name, VdiHeader header, long headerCount, BlockMap map) {
        List<String> messages = new ArrayList<>();
        long blocks = header.blocksInImage;
        BitSet used = new BitSet();
        long allocated = 0;
        long corruptions = 0;
        for (long block = 0; block < blocks; block++) {
            long entry = map.entry(block);
            if (!BlockMap.allocated(entry)) {
                continue;
            }
            if (entry < blocks) {
                allocated++;
                if (used.get((int) entry)) {
                    messages.add("ERROR: block index " + entry + " also used by " + entry);
                    corruptions++;
                } else {
                    used.set((int) entry);
                }
            } else {
                messages.add("ERROR: block index " + block + " too large, is " + entry);
                corruptions++;
            }
        }
        if (allocated != headerCount) {
            messages.add("ERROR: allocated blocks mismatch, is " + allocated + ", should be "
                    + headerCount);
            corruptions++;
        }
        return new ImageCheck(name, VdiFormat.NAME, 0, 0, corruptions, 0, 0, 0, 0, 0, 0, 0, messages, null);
    }
}
