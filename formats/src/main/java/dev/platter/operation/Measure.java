package dev.platter.operation;

import dev.platter.core.Extent;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageFormat;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.UnknownFormatException;
import dev.platter.core.image.capability.PersistentBitmaps;
import dev.platter.core.image.capability.SizeEstimate;

import java.io.IOException;

/**
 * How large a target image would be, as {@code qemu-img measure} computes it: the target format's metadata for a
 * fully allocated image plus, for an existing source, one allocation unit for every unit that the source's
 * allocation map says holds data (content is never read); a format that allocates everything (raw) counts it all.
 */
public final class Measure {

    private Measure() {
    }

    public static MeasureResult run(MeasureOptions options) throws IOException {
        ImageFormat format;
        try {
            format = Images.format(options.targetFormat());
        } catch (UnknownFormatException e) {
            throw new IllegalArgumentException("Unknown file format '" + options.targetFormat() + "'");
        }
        SizeEstimate estimate;
        try {
            estimate = format.sizeEstimate(options.createOptions());
        } catch (UnsupportedFeatureException e) {
            if (e.feature().equals("size measurement")) {
                throw new IllegalArgumentException(e.getMessage());
            }
            throw e;
        }
        if (options.source() == null) {
            return measure(estimate, options.size(), null);
        }
        OpenOptions open = OpenOptions.readOnlyDefaults().withFormat(options.sourceFormat())
                .withForceShare(options.forceShare()).withKeys(options.sourceKeys());
        if (options.resolver() != null) {
            open = open.withResolver(options.resolver());
        }
        try (Image image = Images.open(options.source(), options.sourceName(), open)) {
            Image view = options.snapshot() == null ? image : SnapshotViews.openView(image, options.snapshot());
            return measure(estimate, view.size(), view);
        }
    }

    private static MeasureResult measure(SizeEstimate estimate, long size, Image source) throws IOException {
        long unit = estimate.unit();
        long virtualSize = roundUp(size, unit);
        estimate.checkSize(virtualSize);
        long data;
        if (estimate.allocatesAll()) {
            data = virtualSize;
        } else if (source != null) {
            data = dataUnits(source, unit) * unit;
        } else {
            data = 0;
        }
        long fully = estimate.fullyAllocated(virtualSize);
        Long bitmaps = null;
        if (source != null) {
            var carried = source.capability(PersistentBitmaps.class);
            if (carried.isPresent()) {
                bitmaps = estimate.bitmapBytes(carried.get().persistentBitmaps(), source.size());
            }
        }
        return new MeasureResult(fully - virtualSize + data, fully, bitmaps);
    }

    /** Target units touched by a run the source's map calls data (allocated and not zero). */
    private static long dataUnits(Image source, long unit) throws IOException {
        long size = source.size();
        long count = 0;
        long last = -1;
        for (long pos = 0; pos < size; ) {
            HostStatus st = HostStatus.at(source, pos, size - pos);
            Extent e = st.extent();
            if (st.isData()) {
                long firstUnit = Math.max(e.start() / unit, last + 1);
                long lastUnit = (e.end() - 1) / unit;
                if (lastUnit >= firstUnit) {
                    count += lastUnit - firstUnit + 1;
                    last = lastUnit;
                }
            }
            pos = e.end();
        }
        return count;
    }

    private static long roundUp(long a, long b) {
        return (a + b - 1) / b * b;
    }
}
