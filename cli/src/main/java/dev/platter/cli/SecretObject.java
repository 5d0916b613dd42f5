package dev.platter.cli;

import dev.platter.core.crypto.Secret;
import dev.platter.core.crypto.Secrets;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One {@code --object} definition, as qemu-img 7.2 parses it: {@code secret,id=ID,data=STRING} or
 * {@code secret,id=ID,file=PATH}, with {@code format=raw|base64}. Errors are qemu's words; none of them quotes the
 * secret. Platter creates secrets only, and not encrypted ones ({@code keyid}, {@code iv}).
 */
final class SecretObject {
    /** A secret file holds a passphrase or a key: anything larger is a mistake (a disk image named by accident). */
    static final int MAX_FILE_BYTES = 64 * 1024;

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z][A-Za-z0-9._-]*");

    private SecretObject() {
    }

    /** Every definition, in order, into one {@link Secrets}; on an error the secrets read so far are wiped. */
    static Secrets parseAll(List<String> definitions) {
        Secrets secrets = Secrets.none();
        try {
            for (String d : definitions) {
                parse(d, secrets);
            }
            return secrets;
        } catch (RuntimeException e) {
            secrets.close();
            throw e;
        }
    }

    /** Parses {@code definition} and adds its secret to {@code into}. */
    static void parse(String definition, Secrets into) {
        String type = null;
        String id = null;
        String data = null;
        String file = null;
        String format = "raw";
        List<QemuOptionList.Item> items = QemuOptionList.parse(definition).items();
        for (int i = 0; i < items.size(); i++) {
            QemuOptionList.Item item = items.get(i);
            if (item.value() == null) {
                // qemu's keyval syntax: only the first item may leave out its key, which is then the type.
                if (i > 0) {
                    throw new CliException("Expected '=' after parameter '" + item.key() + "'");
                }
                type = item.key();
            } else if (item.key().equals("qom-type")) {
                type = item.value();
            } else if (item.key().equals("id")) {
                id = item.value(); // the last one counts, as in qemu
            }
        }
        if (type == null) {
            throw new CliException("Parameter 'qom-type' is missing");
        }
        if (type.equals("help")) {
            throw new CliException("--object help: Platter creates one type of object, secret "
                    + "(secret,id=ID,data=STRING or secret,id=ID,file=PATH, with format=raw or format=base64)");
        }
        if (!type.equals("secret")) {
            throw new CliException("Parameter 'qom-type' does not accept value '" + type + "'");
        }
        if (id == null) {
            throw new CliException("Parameter 'id' is missing");
        }
        if (!IDENTIFIER.matcher(id).matches()) {
            throw new CliException("Parameter 'id' expects an identifier\n"
                    + "Identifiers consist of letters, digits, '-', '.', '_', starting with a letter.");
        }
        for (QemuOptionList.Item item : items) {
            if (item.value() == null) {
                continue;
            }
            switch (item.key()) {
                case "qom-type", "id" -> { }
                case "data" -> data = item.value();
                case "file" -> file = item.value();
                case "format" -> {
                    if (!item.value().equals("raw") && !item.value().equals("base64")) {
                        throw new CliException("Parameter 'format' does not accept value '" + item.value() + "'");
                    }
                    format = item.value();
                }
                // qemu decrypts such a secret with another one (keyid) and an IV; Platter does not.
                case "keyid", "iv" -> throw new CliException("secret '" + id + "': encrypted secrets ('"
                        + item.key() + "') are not supported; give the passphrase itself (data= or file=)");
                default -> throw new CliException("Parameter '" + item.key() + "' is unexpected");
            }
        }
        if (data != null && file != null) {
            throw new CliException("'file' and 'data' are mutually exclusive");
        }
        if (data == null && file == null) {
            throw new CliException("Either 'file' or 'data' must be provided");
        }
        byte[] raw = data != null ? data.getBytes(StandardCharsets.UTF_8) : read(file);
        byte[] bytes = raw;
        if (format.equals("base64")) {
            try {
                bytes = Base64.getDecoder().decode(raw);
            } catch (IllegalArgumentException e) {
                throw new CliException("Base64 data contains invalid characters"); // never e's text: it quotes data
            } finally {
                Secret.wipe(raw);
            }
        }
        try {
            into.add(id, Secret.adopt(bytes));
        } catch (IllegalArgumentException e) {
            Secret.wipe(bytes);
            throw new CliException(e.getMessage());
        }
    }

    /** The file's bytes as they are (a trailing newline is part of the secret, as in qemu), at most 64 KiB. */
    private static byte[] read(String file) {
        String prefix = "Unable to read " + file + ": ";
        if (file.isEmpty()) {
            throw new CliException(prefix + "Failed to open file “”: No such file or directory");
        }
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            if (bytes.length > MAX_FILE_BYTES) {
                Secret.wipe(bytes);
                throw new CliException(prefix + "larger than " + (MAX_FILE_BYTES >> 10) + " KiB, too large for a "
                        + "secret");
            }
            return bytes;
        } catch (NoSuchFileException e) {
            throw new CliException(prefix + "Failed to open file “" + file + "”: No such file or directory");
        } catch (AccessDeniedException e) {
            throw new CliException(prefix + "Failed to open file “" + file + "”: Permission denied");
        } catch (IOException e) {
            String why = Files.isDirectory(Path.of(file)) ? "Is a directory" : ErrorReporter.message(e);
            throw new CliException(prefix + "Error reading file “" + file + "”: " + why);
        } catch (java.nio.file.InvalidPathException e) {
            throw new CliException(prefix + "Failed to open file “" + file + "”: No such file or directory");
        }
    }
}
