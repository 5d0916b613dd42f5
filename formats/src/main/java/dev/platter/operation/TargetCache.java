package dev.platter.operation;

import java.util.Locale;

/**
 * How a conversion writes its target ({@code -t}, with qemu-img's mode names, plus Platter's default
 * {@link #AUTO}). Bypassing the page cache sends every block-aligned data write straight to the device (O_DIRECT);
 * metadata and unaligned pieces always go through the page cache.
 */
public enum TargetCache {
    /**
     * Platter's default: qemu-img's {@code unsafe} (no sync), but only the first 256 MiB written go through the page
     * cache (small images are done fastest there), then aligned writes bypass it. A bulk copy through the page cache evicts the
     * host's working set and, on virtual machines, pays for every fresh page-cache page (measured 2-4x slower than
     * O_DIRECT writes on the benchmark machine, docs/performance.md).
     */
    AUTO(256L << 20, false),
    /** O_DIRECT data writes from the start, one sync when the target is closed. */
    NONE(0, true),
    /** Like {@link #NONE}: every write is on the device once the target is closed with its sync. */
    DIRECTSYNC(0, true),
    /** Page cache, one sync at the end. */
    WRITEBACK(-1, true),
    /** Page cache, one sync at the end (a conversion has no guest waiting on individual writes). */
    WRITETHROUGH(-1, true),
    /** Page cache, never synced: qemu-img convert's default. */
    UNSAFE(-1, false);

    private final long bypassAfter;
    private final boolean flushAtClose;

    TargetCache(long bypassAfter, boolean flushAtClose) {
        this.bypassAfter = bypassAfter;
        this.flushAtClose = flushAtClose;
    }

    /** Bytes written through the page cache before aligned writes bypass it; -1: never bypassed. */
    public long bypassAfter() {
        return bypassAfter;
    }

    public boolean flushAtClose() {
        return flushAtClose;
    }

    /** The mode for a {@code -t} argument (qemu-img's names), or {@link IllegalArgumentException} with its message. */
    public static TargetCache parse(String name) {
        for (TargetCache c : values()) {
            if (c != AUTO && c.name().toLowerCase(Locale.ROOT).equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("Invalid cache option: " + name);
    }
}
