package dev.platter.operation;

import java.util.Set;

/** What the operations need to know about a target format before creating anything. */
final class TargetFormats {
    private static final Set<String> COMPRESSING = Set.of("qcow2");
    private static final Set<String> WITH_BACKING = Set.of("qcow2");

    private TargetFormats() {
    }

    /** Whether {@code -c} can store compressed clusters in this format. */
    static boolean compresses(String format) {
        return COMPRESSING.contains(format);
    }

    /** Whether images of this format can have a backing file. */
    static boolean hasBacking(String format) {
        return WITH_BACKING.contains(format);
    }
}
