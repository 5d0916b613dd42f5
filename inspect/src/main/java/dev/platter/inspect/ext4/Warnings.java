package dev.platter.inspect.ext4;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Problems met while reading that did not stop it; deduplicated and bounded, safe to share between threads. */
final class Warnings {
    static final int MAX = 200;

    private final Set<String> messages = new LinkedHashSet<>();
    private int dropped;

    synchronized void add(String message) {
        if (messages.contains(message)) {
            return;
        }
        if (messages.size() < MAX) {
            messages.add(message);
        } else {
            dropped++;
        }
    }

    synchronized List<String> list() {
        List<String> l = new ArrayList<>(messages);
        if (dropped > 0) {
            l.add(dropped + " more warnings not shown");
        }
        return l;
    }
}
