package dev.platter.core.image;

import java.util.Locale;

/** How much of a new image's space is reserved up front (qemu's {@code preallocation=} option). */
public enum Preallocation {
    /** Sparse: nothing reserved. */
    OFF,
    /** qcow2 only: metadata written, data left sparse. */
    METADATA,
    /** Space reserved with fallocate, not written. */
    FALLOC,
    /** Every byte written. */
    FULL;

    public String optionValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses an option value; {@code allowed} lists what the format supports. */
    public static Preallocation parse(String value, Preallocation... allowed) {
        for (Preallocation p : allowed) {
            if (p.optionValue().equals(value)) {
                return p;
            }
        }
        throw new IllegalArgumentException("invalid parameter value: " + value);
    }
}
