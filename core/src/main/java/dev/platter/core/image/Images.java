package dev.platter.core.image;

import dev.platter.core.storage.HostFiles;
import dev.platter.core.storage.ImageLock;
import dev.platter.core.storage.ImageLockedException;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/** Entry point for images: the format registry, probing, and opening files (and the files they refer to). */
public final class Images {
    /** How much of a file probing looks at. */
    public static final int PROBE_BYTES = 64 * 1024;

    private static volatile List<ImageFormat> formats;

    private Images() {
    }

    /** Every format on the class path, in name order. */
    public static List<ImageFormat> formats() {
        List<ImageFormat> f = formats;
        if (f == null) {
            List<ImageFormat> found = new ArrayList<>();
            ServiceLoader.load(ImageFormat.class, Images.class.getClassLoader()).forEach(found::add);
            found.sort(Comparator.comparing(ImageFormat::name));
            formats = f = List.copyOf(found);
        }
        return f;
    }

    /** The format called {@code name}. */
    public static ImageFormat format(String name) throws UnknownFormatException {
        for (ImageFormat f : formats()) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        throw new UnknownFormatException(name);
    }

    /** Guesses the format of {@code storage} from its content: the most confident format wins, raw last. */
    public static ImageFormat probe(Storage storage) throws IOException {
        ByteBuffer header = ByteBuffer.allocate((int) Math.min(PROBE_BYTES, Math.max(0, storage.size())));
        storage.readAt(0, header);
        header.flip();
        ImageFormat best = null;
        int bestScore = 0;
        for (ImageFormat f : formats()) {
            int score = f.probe(header.asReadOnlyBuffer(), storage);
            if (score > bestScore) {
                best = f;
                bestScore = score;
            }
        }
        if (best == null) {
            throw new UnknownFormatException(storage.name(), "Could not determine the image format of '"
                    + storage.name() + "'");
        }
        return best;
    }

    /** Opens the image file at {@code path}. */
    public static Image open(Path path, OpenOptions options) throws IOException {
        return open(path, path.toString(), options);
    }

    /**
     * Opens the image file at {@code path}, naming it {@code name} in messages and in {@code info}. Errors say
     * "Could not open 'NAME': why", like qemu-img.
     */
    public static Image open(Path path, String name, OpenOptions options) throws IOException {
        ImageFormat pinned = options.format() == null ? null : format(options.format());
        Storage storage;
        try {
            storage = HostFiles.open(path, name, options.readOnly());
        } catch (NoSuchFileException e) {
            throw new ImageOpenException(name, "No such file or directory", e);
        } catch (AccessDeniedException e) {
            throw new ImageOpenException(name, "Permission denied", e);
        } catch (IOException e) {
            throw new ImageOpenException(name, stripName(e.getMessage(), name), e);
        }
        try {
            ImageFormat format = pinned != null ? pinned : probe(storage);
            lock(storage, name, options.lockFor(format.storesMetadata()), options);
            return format.open(storage, options);
        } catch (IOException | RuntimeException | Error e) {
            try {
                storage.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Opens a file that an image refers to (a backing file), through the image's reference gate, read-only, one
     * level deeper in the chain.
     *
     * @param referrer  the referring image's path as it was opened
     * @param reference the name stored in the image
     * @param format    the format stored with the reference, or null to probe
     */
    public static Image openBacking(Path referrer, String reference, String format, OpenOptions options)
            throws IOException {
        Path resolved = options.resolver().resolve(referrer, reference, ReferenceKind.BACKING_FILE);
        OpenOptions next = options.forBacking(referrer, resolved, format);
        return open(resolved, resolved.toString(), next);
    }

    /**
     * Takes qemu's locks on a file an image is made of (the image file, an external data file); a conflict reads
     * "Could not open 'NAME': Failed to get "write" lock", as qemu-img says it.
     */
    public static void lock(Storage storage, String name, ImageLock lock, OpenOptions options) throws IOException {
        if (options.locking() == OpenOptions.Locking.OFF) {
            return;
        }
        try {
            storage.lock(lock);
        } catch (ImageLockedException e) {
            throw new ImageOpenException(name, e.getMessage(), e);
        }
    }

    private static String stripName(String message, String name) {
        if (message == null) {
            return "I/O error";
        }
        return message.startsWith(name + ": ") ? message.substring(name.length() + 2) : message;
    }
}
