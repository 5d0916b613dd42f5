package dev.platter.format.dmg;

import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.Storage;
import dev.platter.format.readonly.ReadOnlyMappedImage;

import java.io.IOException;
import java.util.List;

/** An open Apple disk image (UDIF), read only as qemu reads it. */
public final class DmgImage extends ReadOnlyMappedImage {
    private DmgImage(Storage storage, DmgTrailer trailer, DmgChunkTable table) throws IOException {
        super(storage, new DmgReader(storage, table, trailer.sectors * 512), trailer.sectors * 512, null);
    }

    static DmgImage open(Storage storage, OpenOptions options) throws IOException {
        if (!options.readOnly()) {
            throw new UnsupportedFeatureException("writes to dmg images", "Platter reads dmg images but does not "
                    + "write them (as qemu: '" + storage.name() + "' opens read-only)");
        }
        DmgTrailer trailer = DmgTrailer.find(storage);
        return new DmgImage(storage, trailer, DmgChunkTable.read(storage, trailer));
    }

    @Override
    public String formatName() {
        return DmgFormat.NAME;
    }

    /** qemu's: the dmg driver answers no get_info, so no cluster size and no dirty flag. */
    @Override
    public ImageInfo info() throws IOException {
        return new ImageInfo(storage().name(), DmgFormat.NAME, size(), null, actualSize(), false, null, null, null,
                List.of(), null, null, null);
    }
}
