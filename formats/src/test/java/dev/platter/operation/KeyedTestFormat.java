package dev.platter.operation;

import dev.platter.core.StorageDevice;
import dev.platter.core.crypto.Secret;
import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageFormat;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.image.OpenOptions;
import dev.platter.format.raw.RawFormat;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test format (registered for formats' tests only, never probed): raw underneath, and it writes down the key each
 * open and create was given, so that tests see the keys reach the format through an operation. Its one creation
 * option, {@code key-secret=ID}, names a secret as luks's does.
 */
public final class KeyedTestFormat implements ImageFormat {
    public static final String NAME = "keyed-test";

    /** What one open or create was given: the file and its key (null: none). */
    public record Seen(String what, Path file, Secret key) {
    }

    public static final List<Seen> SEEN = new CopyOnWriteArrayList<>();

    private final RawFormat raw = new RawFormat();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int probe(ByteBuffer header, Storage storage) {
        return 0;
    }

    @Override
    public boolean storesMetadata() {
        return false;
    }

    @Override
    public Image open(Storage storage, OpenOptions options) throws IOException {
        SEEN.add(new Seen("open", storage.path().getFileName(), options.keyFor(storage.path())));
        return new KeyedImage(storage);
    }

    /** The file's bytes, under this format's name (commit reopens a base by its format name). */
    static final class KeyedImage extends StorageDevice implements Image {
        KeyedImage(Storage storage) throws IOException {
            super(storage, storage.size());
        }

        @Override
        public String formatName() {
            return NAME;
        }

        @Override
        public ImageInfo info() {
            return ImageInfo.basic(storage().name(), NAME, size(), null);
        }
    }

    @Override
    public String describeCreate(long size, CreateOptions options) {
        return "fmt=" + NAME + " size=" + size;
    }

    @Override
    public void create(Path path, long size, CreateOptions options) throws IOException {
        Map<String, String> rest = new LinkedHashMap<>(options.options());
        String id = rest.remove("key-secret");
        SEEN.add(new Seen("create", path.getFileName(), id == null ? null : options.secrets().get(id)));
        raw.create(path, size, CreateOptions.of(rest));
    }

    /** The key the last open of a file whose name contains {@code file} was given (convert stages its target). */
    public static Secret openedWith(String file) {
        Seen last = null;
        for (Seen s : SEEN) {
            if (s.what().equals("open") && s.file().toString().contains(file)) {
                last = s;
            }
        }
        if (last == null) {
            throw new AssertionError(file + " was never opened");
        }
        return last.key();
    }
}
