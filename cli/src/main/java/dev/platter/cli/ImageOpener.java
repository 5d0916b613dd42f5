package dev.platter.cli;

import dev.platter.core.image.Image;
import dev.platter.core.image.ImageFormat;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.ReferenceResolver;
import dev.platter.core.image.UnknownFormatException;
import dev.platter.core.storage.HostFiles;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Opening the image a command works on, with qemu-img's messages. */
final class ImageOpener {
    private ImageOpener() {
    }

    static Image open(String filename, String format, boolean readOnly, boolean openBacking) throws IOException {
        return open(ImageArg.file(filename, format), readOnly, openBacking, false, false);
    }

    /**
     * @param forceShare {@code -U}: share the image with every other user (read-only opens only, as qemu-img)
     * @param untrusted  open it as an untrusted image ({@link OpenOptions#untrusted()})
     */
    static Image open(ImageArg image, boolean readOnly, boolean openBacking, boolean forceShare, boolean untrusted)
            throws IOException {
        OpenOptions options = options(image, readOnly, openBacking, forceShare, untrusted);
        try {
            return Images.open(image.path(), image.filename(), options);
        } catch (UnknownFormatException e) {
            throw new CliException("Unknown file format '" + image.format() + "'");
        }
    }

    /** How {@link #open} opens an image: its format and layer keys, -U or force-share=, the gate. */
    static OpenOptions options(ImageArg image, boolean readOnly, boolean openBacking, boolean forceShare,
                               boolean untrusted) {
        boolean shared = false;
        if (readOnly) {
            shared = image.sharedReader(forceShare);
        } else {
            image.checkWriter();
            if (forceShare) {
                throw new CliException("force-share=on can only be used with read-only images");
            }
        }
        OpenOptions options = image.apply(readOnly ? OpenOptions.readOnlyDefaults() : OpenOptions.readWriteDefaults())
                .withOpenBacking(openBacking).withForceShare(shared);
        return untrusted ? options.withResolver(ReferenceResolver.denyAll()) : options;
    }

    /** The format of a file: the pinned one, or probed. */
    static String formatOf(String filename, String format) throws IOException {
        return formatOf(filename, format, false);
    }

    /** As {@link #formatOf(String, String)}; {@code untrusted}: probed by the untrusted rules. */
    static String formatOf(String filename, String format, boolean untrusted) throws IOException {
        if (format != null) {
            try {
                Images.format(format);
            } catch (UnknownFormatException e) {
                throw new CliException("Unknown file format '" + format + "'");
            }
            return format;
        }
        if (untrusted) {
            OpenOptions options = OpenOptions.untrusted();
            try (Storage s = Images.openStorage(Path.of(filename), filename, options)) {
                return Images.probe(s, Path.of(filename), options).name();
            }
        }
        try (Storage s = HostFiles.open(Path.of(filename), filename, true)) {
            ImageFormat f = Images.probe(s);
            return f.name();
        } catch (NoSuchFileException e) {
            throw new CliException("Could not open '" + filename + "': No such file or directory");
        }
    }
}
