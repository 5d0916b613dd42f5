package dev.platter.format.qcow2;

import dev.platter.core.Bounds;
import dev.platter.core.Extent;
import dev.platter.core.ReadOnlyBlockDevice;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.image.capability.PersistentBitmaps;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A read-only view of one internal snapshot: reads and mapping through the snapshot's L1 copy, with the
 * snapshot's disk size and the image's backing file. Closing it leaves the image open.
 */
final class Qcow2SnapshotView implements Image, ReadOnlyBlockDevice {
    private final Qcow2Image image;
    private final SnapshotEntry snapshot;
    private final ClusterMapper reader;
    private final ReentrantReadWriteLock lock;

    /**
     * @param m    the image's metadata
     * @param data where the image's data clusters live
     * @param lock the image's lock: its read side is held while reading
     */
    Qcow2SnapshotView(Qcow2Image image, SnapshotEntry snapshot, L1Table l1, Qcow2Metadata m, DataFile data,
                      ReentrantReadWriteLock lock) {
        this.image = image;
        this.snapshot = snapshot;
        this.lock = lock;
        this.reader = new ClusterMapper(m, () -> l1, this::size, image::backing, data,
                image.compressionType().decompressor());
    }

    @Override
    public long size() {
        return snapshot.diskSize();
    }

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        Bounds.check(pos, dst.remaining(), size(), describe());
        lock.readLock().lock();
        try {
            reader.read(pos, dst);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public Extent mapping(long pos, long maxLen) throws IOException {
        Bounds.checkMapping(pos, maxLen, size(), describe());
        lock.readLock().lock();
        try {
            return reader.mapping(pos, maxLen);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public String describe() {
        return image.describe() + " [snapshot " + snapshot.id() + " '" + snapshot.name() + "']";
    }

    @Override
    public void close() {
    }

    @Override
    public String formatName() {
        return Qcow2Format.NAME;
    }

    @Override
    public Storage storage() {
        return image.storage();
    }

    @Override
    public Image backing() {
        return image.backing();
    }

    /** The image's bitmaps: qemu measures a snapshot loaded temporarily into the same image. */
    @Override
    public <T> Optional<T> capability(Class<T> type) {
        return type == PersistentBitmaps.class ? image.capability(type) : Optional.empty();
    }

    @Override
    public ImageInfo info() throws IOException {
        return image.info();
    }
}
