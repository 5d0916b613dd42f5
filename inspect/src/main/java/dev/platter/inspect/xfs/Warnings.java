package dev.platter.inspect.xfs;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Problems met while reading that did not stop it; bounded, so a badly damaged image cannot fill the heap. */
final class Warnings {
    private static final int MAX = 200;
    private final Set<String> messages = new LinkedHashSet<>();
    private int dropped;

    synchronized void add(String message) {
        if (messages.size() < MAX) {
            messages.add(message);
        } else if (!messages.contains(message)) {
            dropped++;
        }
    }

    synchronized List<String> list() {
        List<String> out = new ArrayList<>(messages);
        if (dropped > 0) {
            out.add("xfs: " + dropped + " more warnings not shown");
        }
        return out;
    }
}
