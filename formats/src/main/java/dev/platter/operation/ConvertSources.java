package dev.platter.operation;

import dev.platter.core.Extent;
import dev.platter.core.image.Image;
import dev.platter.core.storage.Storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The sources of a conversion laid end to end, as qemu-img convert concatenates them. Status queries never cross
 * from one source into the next. Data reads take a short cut where the allocation map names the host bytes: they
 * read the host file of the layer that holds them directly, skipping the format's read path.
 */
final class ConvertSources implements Closeable {
    private final List<Image> images;
    /** Images behind snapshot views, closed with the sources. */
    private final List<Image> owned;
    /** starts[i] is where source i begins; starts[n] is the total size. */
    private final long[] starts;
    /** Per source: the status-run alignment (its cluster size, at least a sector), as qemu-img uses it. */
    private final long[] alignment;

    ConvertSources(List<Image> images) throws IOException {
        this(images, List.of());
    }

    /** Sources whose views depend on {@code owned} images, closed after them. */
    ConvertSources(List<Image> images, List<Image> owned) throws IOException {
        this.images = List.copyOf(images);
        this.owned = List.copyOf(owned);
        this.starts = new long[images.size() + 1];
        this.alignment = new long[images.size()];
        for (int i = 0; i < images.size(); i++) {
            Image img = images.get(i);
            starts[i + 1] = Math.addExact(starts[i], img.size());
            Long cluster = img.info().clusterSize();
            alignment[i] = cluster != null && cluster > ZeroScan.SECTOR ? cluster : ZeroScan.SECTOR;
        }
    }

    List<Image> images() {
        return images;
    }

    long size() {
        return starts[images.size()];
    }

    /** Index of the source holding byte {@code pos}. */
    int indexAt(long pos) {
        int i = 0;
        while (i < images.size() - 1 && starts[i + 1] <= pos) {
            i++;
        }
        return i;
    }

    long start(int index) {
        return starts[index];
    }

    long end(int index) {
        return starts[index + 1];
    }

    long alignment(int index) {
        return alignment[index];
    }

    Image image(int index) {
        return images.get(index);
    }

    /**
     * Reads {@code dst.remaining()} bytes at absolute {@code pos}. When {@code run} (an extent of the source's
     * own mapping, in source-local coordinates, covering the whole range) names host bytes, they are read straight
     * from that layer's host file.
     */
    void read(long pos, ByteBuffer dst, Extent run) throws IOException {
        int index = indexAt(pos);
        long local = pos - starts[index];
        if (run != null && local >= run.start() && local + dst.remaining() <= run.end()) {
            Storage host = HostStatus.hostOf(run);
            if (host != null) {
                long hostPos = run.hostOffset() + (local - run.start());
                host.readAt(hostPos, dst);
                // Bytes past the host file's end read as zeros in every format.
                while (dst.hasRemaining()) {
                    dst.put((byte) 0);
                }
                return;
            }
        }
        readSlow(pos, dst);
    }

    private void readSlow(long pos, ByteBuffer dst) throws IOException {
        while (dst.hasRemaining()) {
            int index = indexAt(pos);
            long local = pos - starts[index];
            int n = (int) Math.min(dst.remaining(), starts[index + 1] - pos);
            ByteBuffer part = dst.duplicate().limit(dst.position() + n);
            images.get(index).read(local, part);
            dst.position(dst.position() + n);
            pos += n;
        }
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        List<Image> all = new java.util.ArrayList<>(images);
        all.addAll(owned);
        for (Image img : all) {
            try {
                img.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
