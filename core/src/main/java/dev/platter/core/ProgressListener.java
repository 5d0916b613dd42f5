package dev.platter.core;

/** Receives progress of a long operation; called from any thread, so implementations must be thread-safe. */
@FunctionalInterface
public interface ProgressListener {

    /** A listener that ignores everything. */
    ProgressListener NONE = (done, total) -> { };

    /** {@code done} of {@code total} units (usually bytes) are finished; {@code done} never goes down. */
    void progress(long done, long total);
}
