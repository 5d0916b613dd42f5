package dev.platter.core.image;

import dev.platter.core.Sizes;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Creation options as qemu-img takes them: the {@code -o key=value} list (with {@code backing_file} and
 * {@code backing_fmt} for {@code -b}/{@code -F}), in the order given. Formats validate the keys they know and
 * refuse the rest.
 *
 * @param options         the options, keys as qemu-img spells them
 * @param resolver        gate for opening the backing file (to check it and take its size)
 * @param skipBackingOpen {@code -u}: do not open the backing file
 * @param finalPath       where the image will be once complete, when it is created under a temporary name (convert
 *                        stages its target): formats whose files name each other (a VMDK descriptor naming its
 *                        extent files) name them after this path; null: the path given to create
 * @param secrets         the secrets options name by id ({@code encrypt.key-secret=ID}, qemu's {@code --object
 *                        secret})
 */
public record CreateOptions(Map<String, String> options, ReferenceResolver resolver, boolean skipBackingOpen,
                            Path finalPath, dev.platter.core.crypto.Secrets secrets) {

    public CreateOptions(Map<String, String> options, ReferenceResolver resolver, boolean skipBackingOpen) {
        this(options, resolver, skipBackingOpen, null, null);
    }

    public CreateOptions {
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
        if (resolver == null) {
            resolver = ReferenceResolver.relativeToImage();
        }
        if (secrets == null) {
            secrets = dev.platter.core.crypto.Secrets.none();
        }
    }

    public static CreateOptions none() {
        return new CreateOptions(Map.of(), null, false);
    }

    public static CreateOptions of(Map<String, String> options) {
        return new CreateOptions(options, null, false);
    }

    /** Parses qemu-img's {@code -o} syntax: comma-separated key=value, ",," escaping a comma in a value. */
    public static Map<String, String> parseList(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> item : parseItems(text)) {
            out.put(item.getKey(), item.getValue() == null ? "on" : item.getValue());
        }
        return out;
    }

    /**
     * qemu's comma lists ({@code -o}, {@code --object}, {@code --image-opts}) item by item, in order: {@code ,,} is a
     * comma inside an item, empty items are skipped, each item is split at its first {@code =} (the value null when
     * there is none: what that means is the caller's).
     */
    public static java.util.List<Map.Entry<String, String>> parseItems(String text) {
        java.util.List<Map.Entry<String, String>> items = new java.util.ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : ',';
            if (c == ',' && i + 1 < text.length() && text.charAt(i + 1) == ',') {
                cur.append(',');
                i++;
            } else if (c == ',') {
                String item = cur.toString();
                cur.setLength(0);
                if (!item.isEmpty()) {
                    int eq = item.indexOf('=');
                    items.add(eq < 0 ? new java.util.AbstractMap.SimpleImmutableEntry<>(item, null)
                            : Map.entry(item.substring(0, eq), item.substring(eq + 1)));
                }
            } else {
                cur.append(c);
            }
        }
        return items;
    }

    /** These options for an image created under a temporary name and renamed to {@code path} when complete. */
    public CreateOptions withFinalPath(Path path) {
        return new CreateOptions(options, resolver, skipBackingOpen, path, secrets);
    }

    /** The secrets that {@code *key-secret} options name. */
    public CreateOptions withSecrets(dev.platter.core.crypto.Secrets value) {
        return new CreateOptions(options, resolver, skipBackingOpen, finalPath, value);
    }

    public CreateOptions with(String key, String value) {
        Map<String, String> m = new LinkedHashMap<>(options);
        if (value == null) {
            m.remove(key);
        } else {
            m.put(key, value);
        }
        return new CreateOptions(m, resolver, skipBackingOpen, finalPath, secrets);
    }

    public String get(String key) {
        return options.get(key);
    }

    public String get(String key, String fallback) {
        return options.getOrDefault(key, fallback);
    }

    public boolean has(String key) {
        return options.containsKey(key);
    }

    /** A size option ("64k"), with qemu-img's size syntax. */
    public long getSize(String key, long fallback) {
        String v = options.get(key);
        return v == null ? fallback : Sizes.parse(v);
    }

    /** An on/off option as qemu accepts it (on/off, true/false, yes/no). */
    public boolean getBool(String key, boolean fallback) {
        String v = options.get(key);
        if (v == null) {
            return fallback;
        }
        switch (v) {
            case "on", "true", "yes" -> {
                return true;
            }
            case "off", "false", "no" -> {
                return false;
            }
            default -> throw new IllegalArgumentException("Parameter '" + key + "' expects 'on' or 'off'");
        }
    }

    /** Refuses any key outside {@code known}, with qemu-img's message. */
    public void requireKnown(Set<String> known) {
        for (String key : options.keySet()) {
            if (!known.contains(key)) {
                throw new IllegalArgumentException("Invalid parameter '" + key + "'");
            }
        }
    }
}
