package dev.platter.operation;

import dev.platter.core.Extent;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.UnknownFormatException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How large a target image would be, as {@code qemu-img measure} computes it: for raw the virtual size; for qcow2
 * the metadata of a fully allocated image plus, for an existing source, one cluster for every target cluster that
 * the source's allocation map says holds data (content is never read).
 */
public final class Measure {
    private static final Set<String> RAW_OPTIONS = Set.of("size", "preallocation");
    /** Bytes of a qcow2 bitmap directory entry before its name. */
    private static final int BITMAP_DIR_ENTRY = 24;

    private Measure() {
    }

    public static MeasureResult run(MeasureOptions options) throws IOException {
        String format = options.targetFormat();
        if (!format.equals("raw") && !format.equals("qcow2")) {
            try {
                Images.format(format);
            } catch (UnknownFormatException e) {
                throw new IllegalArgumentException("Unknown file format '" + format + "'");
            }
            throw new IllegalArgumentException("Block driver '" + format + "' does not support size measurement");
        }
        if (format.equals("raw")) {
            for (String key : options.createOptions().keySet()) {
                if (!RAW_OPTIONS.contains(key)) {
                    throw new IllegalArgumentException("Invalid parameter '" + key + "'");
                }
            }
        }
        Qcow2Layout layout = format.equals("qcow2") ? Qcow2Layout.parse(options.createOptions()) : null;
        if (options.source() == null) {
            return measure(format, layout, options.size(), null);
        }
        OpenOptions open = OpenOptions.readOnlyDefaults().withFormat(options.sourceFormat())
                .withForceShare(options.forceShare());
        if (options.resolver() != null) {
            open = open.withResolver(options.resolver());
        }
        try (Image image = Images.open(options.source(), options.sourceName(), open)) {
            Image view = options.snapshot() == null ? image : Snapshots.openView(image, options.snapshot());
            return measure(format, layout, view.size(), view);
        }
    }

    private static MeasureResult measure(String format, Qcow2Layout layout, long size, Image source)
            throws IOException {
        if (layout == null) {
            long bytes = Qcow2Layout.roundUp(size, 512);
            return new MeasureResult(bytes, bytes, null);
        }
        long cs = layout.clusterSize();
        long virtualSize = Qcow2Layout.roundUp(size, cs);
        layout.checkSize(virtualSize);
        long data;
        if (layout.preallocation().equals("falloc") || layout.preallocation().equals("full")) {
            data = virtualSize;
        } else if (source != null) {
            data = dataClusters(source, cs) * cs;
        } else {
            data = 0;
        }
        long fully = layout.fullyAllocated(virtualSize);
        Long bitmaps = null;
        if (layout.version() >= 3 && source != null && hasPersistentBitmaps(source.info())) {
            bitmaps = bitmapBytes(source.info(), source.size(), cs);
        }
        return new MeasureResult(fully - virtualSize + data, fully, bitmaps);
    }

    /** Target clusters touched by a run the source's map calls data (allocated and not zero). */
    private static long dataClusters(Image source, long cs) throws IOException {
        long size = source.size();
        long count = 0;
        long lastCluster = -1;
        for (long pos = 0; pos < size; ) {
            HostStatus st = HostStatus.at(source, pos, size - pos);
            Extent e = st.extent();
            if (st.isData()) {
                long first = Math.max(e.start() / cs, lastCluster + 1);
                long last = (e.end() - 1) / cs;
                if (last >= first) {
                    count += last - first + 1;
                    lastCluster = last;
                }
            }
            pos = e.end();
        }
        return count;
    }

    /** Whether the source can carry persistent bitmaps (qcow2 version 3), as qemu asks before counting them. */
    private static boolean hasPersistentBitmaps(ImageInfo info) {
        Map<String, Object> specific = info.formatSpecific();
        return "qcow2".equals(info.format()) && specific != null && "1.1".equals(specific.get("compat"));
    }

    /** qemu's estimate of the space the source's bitmaps take in a target with clusters of {@code cs} bytes. */
    private static long bitmapBytes(ImageInfo info, long virtualSize, long cs) {
        Object list = info.formatSpecific().get("bitmaps");
        long bytes = 0;
        long directory = 0;
        if (list instanceof List<?> bitmaps) {
            for (Object o : bitmaps) {
                if (!(o instanceof Map<?, ?> bm)) {
                    continue;
                }
                long granularity = ((Number) bm.get("granularity")).longValue();
                String name = String.valueOf(bm.get("name"));
                long bits = Qcow2Layout.ceilDiv(virtualSize, granularity);
                long clusters = Qcow2Layout.ceilDiv(Qcow2Layout.ceilDiv(bits, 8), cs);
                bytes += clusters * cs;
                bytes += Qcow2Layout.roundUp(clusters * 8, cs);
                directory += Qcow2Layout.roundUp(BITMAP_DIR_ENTRY
                        + name.getBytes(StandardCharsets.UTF_8).length, 8);
            }
        }
        return bytes + Qcow2Layout.roundUp(directory, cs);
    }
}
