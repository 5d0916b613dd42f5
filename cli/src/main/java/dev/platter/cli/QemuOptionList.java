package dev.platter.cli;

import dev.platter.core.image.CreateOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * qemu's comma lists ({@code --object}, {@code --image-opts}): items separated by commas, {@code ,,} standing for a
 * comma inside an item, empty items skipped. Each item is split at its first {@code =}; an item without one has a
 * null value (what that means is the caller's: qemu's object parser takes it as the type, its drive options as
 * {@code on}). The splitting is {@link CreateOptions#parseItems}, shared with {@code -o}.
 */
record QemuOptionList(List<Item> items) {

    /** One {@code key=value} item; {@code value} is null when the item has no {@code =}. */
    record Item(String key, String value) {
    }

    static QemuOptionList parse(String text) {
        List<Item> items = new ArrayList<>();
        for (Map.Entry<String, String> e : CreateOptions.parseItems(text)) {
            items.add(new Item(e.getKey(), e.getValue()));
        }
        return new QemuOptionList(List.copyOf(items));
    }
}
