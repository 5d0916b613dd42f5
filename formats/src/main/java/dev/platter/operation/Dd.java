package dev.platter.operation;

import dev.platter.core.ProgressListener;
import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageFormat;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.UnknownFormatException;

import java.io.IOException;
import java.util.List;

/**
 * {@code qemu-img dd}: copies a range of blocks of an image into a new image, with qemu-img's size arithmetic.
 * Unlike qemu-img, which writes every block, the copy goes through the conversion pipeline, so holes and zero
 * blocks stay sparse in the output; the content is the same.
 */
public final class Dd {
    public static final long MAX_BLOCK_SIZE = Integer.MAX_VALUE;

    private Dd() {
    }

    public static DdResult run(DdOptions o) throws IOException {
        if (o.blockSize() < 1 || o.blockSize() > MAX_BLOCK_SIZE) {
            throw new IllegalArgumentException("Invalid bs specified. Must be between 1 and " + MAX_BLOCK_SIZE + ".");
        }
        ImageFormat outFormat;
        try {
            outFormat = Images.format(o.outputFormat());
        } catch (UnknownFormatException e) {
            throw new IllegalArgumentException("Unknown file format '" + o.outputFormat() + "'");
        }
        OpenOptions inOptions = OpenOptions.readOnlyDefaults().withFormat(o.inputFormat())
                .withForceShare(o.forceShare()).withKeys(o.inputKeys());
        if (o.resolver() != null) {
            inOptions = inOptions.withResolver(o.resolver());
        }
        try (Image in = Images.open(o.input(), o.inputName(), inOptions)) {
            long size = in.size();
            long bs = o.blockSize();
            if (o.count() >= 0 && o.count() <= Long.MAX_VALUE / bs && size > o.count() * bs) {
                size = o.count() * bs;
            }
            long start = 0;
            boolean pastEnd = false;
            if (o.skip() > 0) {
                if (o.skip() > Long.MAX_VALUE / bs || size < o.skip() * bs) {
                    pastEnd = true;
                } else {
                    start = o.skip() * bs;
                }
            }
            long outSize = pastEnd ? 0 : size - start;
            if (inOptions.isUntrusted()) {
                Images.refuseLinkedTarget(o.output(), o.outputName());
            }
            outFormat.create(o.output(), outSize, CreateOptions.none());
            if (pastEnd) {
                return new DdResult(0, true);
            }
            Image out = Images.open(o.output(), o.outputName(), OpenOptions.readWriteDefaults()
                    .withFormat(outFormat.name()).withResolver(inOptions.resolver()));
            try (ImageTarget target = new ImageTarget(out, false);
                 ConvertSources sources = new ConvertSources(List.of(new ImageWindow(in, start, outSize)))) {
                Convert.copy(sources, target, new Convert.Settings(ConvertOptions.DEFAULT_SPARSE_SIZE,
                        Convert.newTargetReadsZero(out),
                        ChunkPlanner.ALL_LAYERS, -1, false, ConvertOptions.defaultWorkers(), false), ProgressListener.NONE);
            }
            return new DdResult(outSize, false);
        }
    }
}
