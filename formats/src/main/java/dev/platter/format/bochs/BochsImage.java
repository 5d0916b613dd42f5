package dev.platter.format.bochs;

import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.Storage;
import dev.platter.format.readonly.ReadOnlyMappedImage;

import java.io.IOException;

/** An open Bochs growing redolog, read only. */
public final class BochsImage extends ReadOnlyMappedImage {
    private BochsImage(Storage storage, BochsHeader h, BochsReader reader) {
        super(storage, reader, h.sectors * 512, null);
    }

    static BochsImage open(Storage storage, OpenOptions options) throws IOException {
        if (!options.readOnly()) {
            throw new UnsupportedFeatureException("writes to bochs images", "Platter reads bochs images but does "
                    + "not write them (as qemu: '" + storage.name() + "' opens read-only)");
        }
        BochsHeader h = BochsHeader.read(storage);
        return new BochsImage(storage, h, BochsReader.read(storage, h));
    }

    @Override
    public String formatName() {
        return BochsFormat.NAME;
    }

    /** qemu's: the bochs driver answers no get_info, so no cluster size and no dirty flag. */
    @Override
    public ImageInfo info() throws IOException {
        return new ImageInfo(storage().name(), BochsFormat.NAME, size(), null, actualSize(), false, null, null, null,
                java.util.List.of(), null, null, null);
    }
}
