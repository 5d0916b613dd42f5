package dev.platter.cli;

import dev.platter.core.crypto.Secrets;
import dev.platter.core.image.ImageKeys;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.UnknownFormatException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One image a command names: a file name (with its {@code -f}), or, with {@code --image-opts}, qemu's option list
 * {@code driver=FMT,file.filename=PATH,encrypt.key-secret=ID,...} (see {@link #parseOpts}).
 *
 * @param text       the argument as typed (messages about the option list quote it, as qemu-img does)
 * @param filename   the image file; also its name in messages and in {@code info}
 * @param format     the pinned format, or null to probe
 * @param keys       the passphrase of each layer, looked up among the command's secrets when a format asks for it
 *                   (so an unknown id only matters for an encrypted layer, as in qemu)
 * @param forceShare {@code force-share=on|off}, or null when not given
 */
record ImageArg(String text, String filename, String format, ImageKeys keys, Boolean forceShare) {

    /** {@code backing.backing.encrypt.key-secret}: the key of the layer as deep as the number of "backing.". */
    private static final Pattern LAYER_OPTION = Pattern.compile("((?:backing\\.)*)(encrypt\\.key-secret|key-secret"
            + "|encrypt\\.format)");

    /** A plain file name, as commands take it without --image-opts. */
    static ImageArg file(String filename, String format) {
        return new ImageArg(filename, filename, format, ImageKeys.none(), null);
    }

    /**
     * Parses an {@code --image-opts} argument. Taken: {@code driver}, {@code file.filename}, {@code file.driver}
     * ({@code file} or {@code host_device}: a block device is found either way), {@code force-share},
     * {@code encrypt.key-secret} and {@code encrypt.format} (qcow2, qcow), {@code key-secret} (luks), and the same
     * below {@code backing.}, once per layer. {@code encrypt.format} is accepted and not checked: the image's header
     * says what it is. Anything else is refused with qemu's words.
     */
    static ImageArg parseOpts(String text, Secrets secrets) {
        List<QemuOptionList.Item> items = QemuOptionList.parse(text).items();
        if (items.stream().allMatch(i -> i.value() == null)) {
            // A plain file name after --image-opts: qemu takes it as the name of a block node.
            throw new CliException("Could not open '" + text + "': Cannot find device='" + text + "' nor node-name='"
                    + text + "'");
        }
        Map<String, String> opts = new LinkedHashMap<>();
        for (QemuOptionList.Item i : items) {
            opts.remove(i.key()); // the last one counts, in its place
            opts.put(i.key(), i.value() == null ? "on" : i.value());
        }
        String driver = opts.remove("driver");
        if (driver != null) {
            try {
                Images.format(driver);
            } catch (UnknownFormatException e) {
                throw openError(text, "Unknown driver '" + driver + "'");
            }
        }
        String filename = opts.remove("file.filename");
        if (filename == null) {
            throw openError(text, "A block device must be specified for \"file\"");
        }
        String protocol = opts.remove("file.driver");
        if (protocol != null && !protocol.equals("file") && !protocol.equals("host_device")) {
            throw openError(text, "protocol driver '" + protocol + "' is not supported (Platter opens files and "
                    + "block devices: file.driver=file)");
        }
        Boolean forceShare = null;
        String share = opts.remove("force-share");
        if (share != null) {
            if (!share.equals("on") && !share.equals("off")) {
                throw openError(text, "Parameter 'force-share' expects 'on' or 'off'");
            }
            forceShare = share.equals("on");
        }
        for (String key : opts.keySet()) {
            if (key.startsWith("file.")) {
                throw openError(text, "Block protocol 'file' doesn't support the option '"
                        + key.substring("file.".length()) + "'");
            }
        }
        List<String> ids = new ArrayList<>();
        for (Map.Entry<String, String> e : opts.entrySet()) {
            Matcher m = LAYER_OPTION.matcher(e.getKey());
            int depth = m.matches() ? m.group(1).length() / "backing.".length() : -1;
            if (depth < 0 || (depth == 0 && !takes(driver, m.group(2)))) {
                throw openError(text, driver != null ? "Block format '" + driver + "' does not support the option '"
                        + e.getKey() + "'" : "the option '" + e.getKey() + "' is not supported");
            }
            if (!m.group(2).equals("encrypt.format")) {
                while (ids.size() <= depth) {
                    ids.add(null);
                }
                ids.set(depth, e.getValue());
            }
        }
        return new ImageArg(text, filename, driver, keys(ids, secrets), forceShare);
    }

    /** Whether the format takes a layer option: qcow2 and qcow the {@code encrypt.} ones, luks {@code key-secret}. */
    private static boolean takes(String driver, String option) {
        if (driver == null) {
            return true; // the format is probed when the image is opened; its header says which key applies
        }
        return option.equals("key-secret") ? driver.equals("luks") : driver.equals("qcow2") || driver.equals("qcow");
    }

    /** Ids by depth, turned into secrets only when a layer asks (qemu looks a secret up only to decrypt). */
    private static ImageKeys keys(List<String> ids, Secrets secrets) {
        if (ids.isEmpty()) {
            return ImageKeys.none();
        }
        List<String> byDepth = List.copyOf(ids.stream().map(id -> id == null ? "" : id).toList());
        return (depth, path) -> depth < byDepth.size() && !byDepth.get(depth).isEmpty()
                ? secrets.get(byDepth.get(depth)) : null;
    }

    private static CliException openError(String text, String why) {
        return new CliException("Could not open '" + text + "': " + why);
    }

    Path path() {
        return Path.of(filename);
    }

    /** The format and keys of this image on {@code options}. */
    OpenOptions apply(OpenOptions options) {
        return options.withFormat(format).withKeys(keys);
    }

    /**
     * Whether an image opened read-only is shared ({@code -U} or {@code force-share=on}); {@code -U} with
     * {@code force-share=off} is qemu's conflict.
     */
    boolean sharedReader(boolean dashU) {
        if (dashU && Boolean.FALSE.equals(forceShare)) {
            throw new CliException("--force-share/-U conflicts with image options");
        }
        return dashU || Boolean.TRUE.equals(forceShare);
    }

    /** For an image opened for writing: {@code force-share=on} is refused, as qemu refuses it. */
    void checkWriter() {
        if (Boolean.TRUE.equals(forceShare)) {
            throw openError(text, "force-share=on can only be used with read-only images");
        }
    }
}
