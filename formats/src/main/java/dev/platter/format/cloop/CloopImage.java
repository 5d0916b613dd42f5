package dev.platter.format.cloop;

import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.Storage;
import dev.platter.format.readonly.ReadOnlyMappedImage;

import java.io.IOException;
import java.util.List;

/** An open cloop (compressed loop, V2.0) image, read only as qemu reads it. */
public final class CloopImage extends ReadOnlyMappedImage {
    private CloopImage(Storage storage, CloopIndex index) throws IOException {
        super(storage, new CloopReader(storage, index), index.blocks * index.blockSize, null);
    }

    static CloopImage open(Storage storage, OpenOptions options) throws IOException {
        if (!options.readOnly()) {
            throw new UnsupportedFeatureException("writes to cloop images", "Platter reads cloop images but does "
                    + "not write them (as qemu: '" + storage.name() + "' opens read-only)");
        }
        return new CloopImage(storage, CloopIndex.read(storage));
    }

    @Override
    public String formatName() {
        return CloopFormat.NAME;
    }

    /** qemu's: the cloop driver answers no get_info, so no cluster size and no dirty flag. */
    @Override
    public ImageInfo info() throws IOException {
        return new ImageInfo(storage().name(), CloopFormat.NAME, size(), null, actualSize(), false, null, null, null,
                List.of(), null, null, null);
    }
}
