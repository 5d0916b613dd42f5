package dev.platter.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * qemu's comma lists ({@code --object}, {@code --image-opts}): items separated by commas, {@code ,,} standing for a
 * comma inside an item, empty items skipped. Each item is split at its first {@code =}; an item without one has a
 * null value (what that means is the caller's: qemu's object parser takes it as the type, its drive options as
 * {@code on}).
 */
record QemuOptionList(List<Item> items) {

    /** One {@code key=value} item; {@code value} is null when the item has no {@code =}. */
    record Item(String key, String value) {
    }

    static QemuOptionList parse(String text) {
        List<Item> items = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : ',';
            if (c == ',' && i + 1 < text.length() && text.charAt(i + 1) == ',') {
                cur.append(',');
                i++;
            } else if (c == ',') {
                if (!cur.isEmpty()) {
                    String item = cur.toString();
                    int eq = item.indexOf('=');
                    items.add(eq < 0 ? new Item(item, null) : new Item(item.substring(0, eq), item.substring(eq + 1)));
                }
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        return new QemuOptionList(List.copyOf(items));
    }
}
