package dev.platter.cli;

import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.ReferenceResolver;
import picocli.CommandLine.Option;

/**
 * {@code --untrusted}, shared by every command that opens images: they are opened as
 * {@link OpenOptions#untrusted()} says (no reference followed, no symbolic link in the path, no loose probe).
 */
public final class UntrustedOption {
    @Option(names = "--untrusted", description = "The images are untrusted: open no file they refer to (backing "
            + "file, data file), no image through a symbolic link, and refuse a format probe that is ambiguous or "
            + "disagrees with the file name (pin the format).")
    boolean untrusted;

    /** True when --untrusted was given. */
    public boolean on() {
        return untrusted;
    }

    /** The reference gate to use: deny-all with --untrusted, else null (the default gate). */
    public ReferenceResolver resolver() {
        return untrusted ? ReferenceResolver.denyAll() : null;
    }

    /** {@code options} with the untrusted gate when --untrusted was given. */
    public OpenOptions apply(OpenOptions options) {
        return untrusted ? options.withResolver(ReferenceResolver.denyAll()) : options;
    }
}
