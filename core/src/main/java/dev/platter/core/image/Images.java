package dev.platter.core.image;

import dev.platter.core.storage.HostFiles;
import dev.platter.core.storage.ImageLock;
import dev.platter.core.storage.ImageLockedException;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
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
        return ProbeVerdict.of(storage, null).probed();
    }

    /** Opens the image file at {@code path}. */
    public static Image open(Path path, OpenOptions options) throws IOException {
        return open(path, path.toString(), options);
    }

    /**
     * Opens the image file at {@code path}, naming it {@code name} in messages and in {@code info}. Errors say
     * "Could not open 'NAME': why", like qemu-img. An {@link OpenOptions#isUntrusted() untrusted} open refuses a
     * symbolic link in the path and an unreliable probe (see {@link OpenOptions#untrusted()}).
     */
    public static Image open(Path path, String name, OpenOptions options) throws IOException {
        return open(path, name, options, false);
    }

    /**
     * Opens an image file for {@code check} ({@link ImageFormat#openForCheck}): without its backing chain, read-only
     * unless {@code options} say otherwise (a repair).
     */
    public static Image openForCheck(Path path, String name, OpenOptions options) throws IOException {
        return open(path, name, options.withOpenBacking(false), true);
    }

    private static Image open(Path path, String name, OpenOptions options, boolean forCheck) throws IOException {
        ImageFormat pinned = options.format() == null ? null : format(options.format());
        Storage storage = openStorage(path, name, options);
        try {
            ImageFormat format = pinned != null ? pinned : probe(storage, path, options);
            lock(storage, name, options.lockFor(format.storesMetadata()), options);
            return forCheck ? format.openForCheck(storage, options) : format.open(storage, options);
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
     * Opens the file an image lives in, read-only or not as {@code options} say; for an untrusted image only when
     * no component of the path is a symbolic link, and with O_NOFOLLOW. Errors say "Could not open 'NAME': why".
     */
    public static Storage openStorage(Path path, String name, OpenOptions options) throws IOException {
        boolean untrusted = options.isUntrusted();
        try {
            Path link = untrusted ? LinkFreePath.firstLink(path) : null;
            if (link != null) {
                throw new ImageOpenException(name, "'" + link + "' is a symbolic link (not followed for untrusted "
                        + "images)", null);
            }
            return HostFiles.open(path, name, options.readOnly(), untrusted);
        } catch (ImageOpenException e) {
            throw e;
        } catch (NoSuchFileException e) {
            throw new ImageOpenException(name, "No such file or directory", e);
        } catch (AccessDeniedException e) {
            throw new ImageOpenException(name, "Permission denied", e);
        } catch (IOException e) {
            throw new ImageOpenException(name, stripName(e.getMessage(), name), e);
        }
    }

    /**
     * For an image file about to be created or replaced under the untrusted rules: refuses when the file is a
     * symbolic link or a folder above it is one, so that creating it cannot write through a link either.
     */
    public static void refuseLinkedTarget(Path path, String name) throws IOException {
        Path link;
        if (Files.isSymbolicLink(path)) {
            link = path.toAbsolutePath();
        } else {
            Path existing = Files.exists(path) ? path : path.toAbsolutePath().getParent();
            link = existing == null ? null : LinkFreePath.firstLink(existing);
        }
        if (link != null) {
            throw new ImageOpenException(name, "'" + link + "' is a symbolic link (not followed for untrusted "
                    + "images)", null);
        }
    }

    /**
     * Guesses the format of the image file at {@code path} as {@link #probe(Storage)} does; for an untrusted image
     * the guess must be unambiguous (one format claims the content, or none and it is raw) and agree with the
     * file name's extension, else the open is refused: pin the format instead.
     */
    public static ImageFormat probe(Storage storage, Path path, OpenOptions options) throws IOException {
        if (!options.isUntrusted()) {
            return probe(storage);
        }
        ProbeVerdict verdict = ProbeVerdict.of(storage, path);
        String problem = verdict.ambiguity() != null ? verdict.ambiguity() : verdict.nameConflict();
        if (problem != null) {
            throw new ImageOpenException(storage.name(), problem + " (refused for untrusted images; pin the "
                    + "format if it is known)", null);
        }
        return verdict.probed();
    }

    /**
     * Opens a file that an image refers to as its backing file, through the image's reference gate
     * ({@link ReferenceResolver#openBacking}), read-only, one level deeper in the chain.
     *
     * @param referrer  the referring image's path as it was opened
     * @param reference the name stored in the image
     * @param format    the format stored with the reference, or null to probe
     */
    public static Image openBacking(Path referrer, String reference, String format, OpenOptions options)
            throws IOException {
        return options.resolver().openBacking(referrer, reference, format, options);
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
