package dev.platter.format.parallels;

import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.Storage;
import dev.platter.format.readonly.ReadOnlyMappedImage;

import java.io.IOException;

/**
 * An open Parallels image, read only: clusters through the catalog ({@link ParallelsMapper}); clusters without
 * data read as zeros (qemu-img's parallels images name no backing file). The format extension (dirty bitmaps) is
 * not read: it does not change the disk's content.
 */
public final class ParallelsImage extends ReadOnlyMappedImage {
    private final ParallelsHeader header;

    private ParallelsImage(Storage storage, ParallelsHeader header, ParallelsMapper mapper) {
        super(storage, mapper, header.sectors * 512, null);
        this.header = header;
    }

    static ParallelsImage open(Storage storage, OpenOptions options) throws IOException {
        if (!options.readOnly()) {
            throw new UnsupportedFeatureException("writes to parallels images", "'" + storage.name() + "': Platter "
                    + "reads parallels images but does not write them (open it read-only, or convert it)");
        }
        ParallelsHeader h = ParallelsHeader.read(storage);
        return new ParallelsImage(storage, h, ParallelsMapper.read(storage, h));
    }

    /** Whether the image says it was not closed cleanly (qemu opens such an image read-only only). */
    public boolean inUse() {
        return header.inUse;
    }

    @Override
    public String formatName() {
        return ParallelsFormat.NAME;
    }

    /** qemu's: parallels has no get_info in 7.2, so no cluster size and no dirty flag. */
    @Override
    public ImageInfo info() throws IOException {
        return new ImageInfo(storage().name(), ParallelsFormat.NAME, size(), null, actualSize(), false, null, null,
                null, java.util.List.of(), null, null, null);
    }
}
