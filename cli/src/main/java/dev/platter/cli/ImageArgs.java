package dev.platter.cli;

import dev.platter.core.crypto.Secrets;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code --object} and {@code --image-opts}, shared by the commands that take both (every image command but
 * create): turns each image argument into an {@link ImageArg}, with the layer keys its option list names.
 */
final class ImageArgs {
    @Mixin
    ObjectOption objects;

    @Option(names = "--image-opts", description = "Each image argument is an option list instead of a file name: "
            + "driver=FMT,file.filename=PATH, and for encrypted images encrypt.key-secret=ID (qcow2) or "
            + "key-secret=ID (luks), backing.encrypt.key-secret=ID for the backing file, and so on down the chain; "
            + "force-share=on|off.")
    boolean imageOpts;

    /** The secrets of every --object (the command closes them). */
    Secrets secrets() {
        return objects.secrets();
    }

    /** True with --image-opts. */
    boolean on() {
        return imageOpts;
    }

    /** Refuses format options ({@code -f}, {@code -F}) given with --image-opts, in qemu-img's words. */
    void refuseFormats(String... formats) {
        if (!imageOpts) {
            return;
        }
        for (String f : formats) {
            if (f != null) {
                throw new CliException("--image-opts and --format are mutually exclusive");
            }
        }
    }

    /** An image argument: an option list with --image-opts, else the file name with its format. */
    ImageArg image(String arg, String format) {
        return imageOpts ? ImageArg.parseOpts(arg, secrets()) : ImageArg.file(arg, format);
    }
}
