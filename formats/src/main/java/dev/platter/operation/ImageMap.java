package dev.platter.operation;

import dev.platter.core.image.Image;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The allocation map of an image and its backing chain as {@code qemu-img map} prints it: one row per run of
 * equal status, layer and host contiguity, merged with qemu-img's rules. The human form hides the difference
 * between zero, unallocated and zero-data ranges (it prints data only), which lets more rows merge, so the rows
 * depend on the form.
 */
public final class ImageMap {
    private ImageMap() {
    }

    /** Receives the rows one by one; may stop the walk by throwing. */
    @FunctionalInterface
    public interface Sink {
        void accept(MapEntry entry) throws IOException;
    }

    /**
     * Walks {@code [start, start + maxLength)} (clipped to the image) and hands each merged row to {@code sink}.
     * Like qemu-img, an empty range still yields one empty row starting at {@code start}.
     *
     * @param maxLength bytes to map, or -1 for the rest of the image
     * @param human     merge as the human form does
     */
    public static void walk(Image image, long start, long maxLength, boolean human, Sink sink) throws IOException {
        if (start < 0) {
            throw new IllegalArgumentException("start offset must not be negative");
        }
        long end = image.size();
        if (maxLength >= 0) {
            end = Math.min(end, start + maxLength);
        }
        MapEntry curr = new MapEntry(start, 0, 0, false, false, false, -1, null);
        while (curr.end() < end) {
            long pos = curr.end();
            HostStatus st = HostStatus.at(image, pos, end - pos);
            MapEntry next = MapEntry.of(st.extent(), st.zero());
            if (next.length() > end - pos) {
                next = next.withLength(end - pos);
            }
            if (curr.mergeableWith(next)) {
                curr = curr.withLength(curr.length() + next.length());
                continue;
            }
            if (curr.length() > 0) {
                sink.accept(curr);
                if (human && (!next.data() || next.zero())) {
                    // The human form does not tell zero, unallocated and zero-data apart.
                    next = next.withFlags(true, false);
                }
            }
            curr = next;
        }
        sink.accept(curr);
    }

    /** Every row, for callers that want a list. */
    public static List<MapEntry> entries(Image image, long start, long maxLength, boolean human) throws IOException {
        List<MapEntry> out = new ArrayList<>();
        walk(image, start, maxLength, human, out::add);
        return out;
    }
}
