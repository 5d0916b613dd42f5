package dev.platter.cli;

import dev.platter.core.crypto.Secrets;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code --object}, shared by every image command: qemu's user-creatable objects, of which Platter makes secrets
 * (see {@link SecretObject}). Options name them by id ({@code -o encrypt.key-secret=ID}, {@code --image-opts
 * ...,encrypt.key-secret=ID}) instead of carrying a passphrase.
 */
final class ObjectOption {
    // No default is shown: the values carry passphrases.
    @Option(names = "--object", paramLabel = "OBJECTDEF", description = "A secret that options name by id: "
            + "secret,id=ID,data=STRING or secret,id=ID,file=PATH (a file of at most 64 KiB), with format=raw "
            + "(default) or format=base64. Repeatable.")
    List<String> definitions = new ArrayList<>();

    private Secrets secrets;

    /** The secrets of every --object, made on first use; the command closes them (wipes them) when done. */
    Secrets secrets() {
        if (secrets == null) {
            secrets = SecretObject.parseAll(definitions);
        }
        return secrets;
    }
}
