package dev.platter.format.qcow2;

/**
 * A one-cluster metadata table held in a {@link TableCache}: an L2 table or a refcount block. Readers use it under
 * the image's read lock; only the writer (under the write lock) changes it and marks it dirty.
 */
abstract class CachedTable {
    final long offset;
    private boolean dirty;
    volatile long lastUse;

    CachedTable(long offset) {
        this.offset = offset;
    }

    boolean isDirty() {
        return dirty;
    }

    void markDirty() {
        dirty = true;
    }

    void markClean() {
        dirty = false;
    }

    /** Memory the table holds, for the cache bound. */
    abstract int sizeBytes();

    /** The table as it is stored on disk (one cluster). */
    abstract byte[] toBytes();
}
