package dev.platter.core.image;

import dev.platter.core.storage.HostFiles;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The gate every file reference stored in an image passes through (backing files, external data files, extents).
 * An image read from an untrusted source can name any path on the host; the resolver decides which ones may be
 * opened ({@link #resolve}: the path to open, or {@link ReferenceDeniedException}) and opens them: formats never
 * open a referenced file themselves, they call {@link #openFile} or {@link #openBacking}. A caller may override
 * those two to hand in storage or a backing image of its own ({@link #withBacking}).
 */
@FunctionalInterface
public interface ReferenceResolver {

    /**
     * @param referrer  the path of the image holding the reference, as it was opened (may be relative)
     * @param reference the name stored in the image
     * @param kind      what the reference is for
     * @return the path to open, relative references joined to the referrer's folder
     */
    Path resolve(Path referrer, String reference, ReferenceKind kind) throws IOException;

    /**
     * Opens a file an image is made of (an external data file, an extent file): resolved through {@link #resolve},
     * then opened through {@link HostFiles}, without following a symbolic link for an {@link #untrusted()} gate.
     *
     * @param shown the name messages and {@code map} use for it
     */
    default Storage openFile(Path referrer, String reference, ReferenceKind kind, String shown, boolean readOnly)
            throws IOException {
        Path resolved = resolve(referrer, reference, kind);
        try {
            return HostFiles.open(resolved, shown, readOnly, untrusted());
        } catch (NoSuchFileException e) {
            throw new ImageOpenException(shown, "No such file or directory", e);
        }
    }

    /**
     * Opens the image that {@code referrer} names as its backing file: resolved through {@link #resolve}, opened
     * read-only with the stored format (null: probe), one level deeper in the chain (loops and depth checked by
     * {@link OpenOptions#forBacking}). The referring image owns the result.
     */
    default Image openBacking(Path referrer, String reference, String format, OpenOptions options)
            throws IOException {
        Path resolved = resolve(referrer, reference, ReferenceKind.BACKING_FILE);
        OpenOptions next = options.forBacking(referrer, resolved, format);
        return Images.open(resolved, resolved.toString(), next);
    }

    /**
     * This gate, except that the backing reference {@code reference} of any image is answered with {@code backing}
     * (already open; the image that takes it closes it): a chain a caller opened itself, as libvirt describes it
     * with {@code <backingStore>}, or a test's.
     */
    default ReferenceResolver withBacking(String reference, Image backing) {
        return new InjectingResolver(this, reference, backing);
    }

    /** Protocol prefixes qemu would hand to a network or special driver; never opened as files. */
    Pattern PROTOCOL = Pattern.compile("^(json|nbd|nbds|nbd\\+unix|http|https|ftp|ftps|ssh|iscsi|rbd|gluster|"
            + "gluster\\+tcp|gluster\\+unix|gluster\\+rdma|sheepdog|vxhs|nfs|null-co|null-aio|blkdebug|blkverify|"
            + "host_device|host_cdrom|fd|quorum|throttle|vvfat|fat):.*", Pattern.CASE_INSENSITIVE);

    /**
     * The default, as qemu-img resolves: relative names join the referring image's folder, absolute names are
     * taken as they are, "file:" prefixes are stripped, and protocol references (json:, nbd:, http: ...) are
     * refused.
     */
    static ReferenceResolver relativeToImage() {
        return (referrer, reference, kind) -> join(referrer, reference, kind);
    }

    /**
     * Whether the images opened under this gate are untrusted. {@link Images#open} then also refuses an image path
     * that goes through a symbolic link and a probe that is ambiguous or disagrees with the file's name (see
     * {@link OpenOptions#untrusted()}). Only {@link #denyAll()} says yes: following nothing is what makes an image
     * safe to read, so the two go together.
     */
    default boolean untrusted() {
        return false;
    }

    /**
     * Refuses every reference (backing files, external data files, extents): for reading untrusted images one
     * file at a time. Marks the images opened under it {@link #untrusted()}.
     */
    static ReferenceResolver denyAll() {
        return DenyingResolver.INSTANCE;
    }

    /** Like {@link #relativeToImage()}, but only paths inside one of {@code roots} (after resolving links). */
    static ReferenceResolver confinedTo(List<Path> roots) {
        List<Path> real = roots.stream().map(r -> r.toAbsolutePath().normalize()).toList();
        return (referrer, reference, kind) -> {
            Path path = join(referrer, reference, kind);
            Path target;
            try {
                target = path.toRealPath();
            } catch (IOException e) {
                target = path.toAbsolutePath().normalize();
            }
            for (Path root : real) {
                Path realRoot;
                try {
                    realRoot = root.toRealPath();
                } catch (IOException e) {
                    realRoot = root;
                }
                if (target.startsWith(realRoot)) {
                    return path;
                }
            }
            throw new ReferenceDeniedException(referrer, reference, kind, "it lies outside the allowed folders");
        };
    }

    /** Joins {@code reference} to the folder of {@code referrer}, the way qemu's path_combine does. */
    static Path join(Path referrer, String reference, ReferenceKind kind) throws IOException {
        String ref = reference;
        if (ref.isEmpty()) {
            throw new ReferenceDeniedException(referrer, reference, kind, "the name is empty");
        }
        if (ref.toLowerCase(Locale.ROOT).startsWith("file:")) {
            ref = ref.substring(5);
        } else if (PROTOCOL.matcher(ref).matches()) {
            throw new ReferenceDeniedException(referrer, reference, kind,
                    "protocol references are not supported");
        }
        if (ref.indexOf('\0') >= 0) {
            throw new ReferenceDeniedException(referrer, reference, kind, "the name contains a NUL byte");
        }
        Path refPath = Path.of(ref);
        if (refPath.isAbsolute()) {
            return refPath;
        }
        Path folder = referrer.getParent();
        return folder == null ? refPath : folder.resolve(refPath);
    }

    /**
     * qemu's full backing file name, as {@code info} shows it: relative names joined to the image's folder as typed;
     * absolute names and names with a protocol prefix (qemu's path_has_protocol: a ':' before any '/', "file:"
     * included) as they are.
     */
    static String fullBackingFilename(String imageName, String backing) {
        int colon = backing.indexOf(':');
        int slash = backing.indexOf('/');
        if (backing.startsWith("/") || (colon >= 0 && (slash < 0 || colon < slash))) {
            return backing;
        }
        return pathCombine(imageName, backing);
    }

    /** qemu's path_combine: the base name's folder (up to its last '/') followed by {@code name}. */
    static String pathCombine(String base, String name) {
        if (name.startsWith("/")) {
            return name;
        }
        int slash = base.lastIndexOf('/');
        return slash < 0 ? name : base.substring(0, slash + 1) + name;
    }
}
