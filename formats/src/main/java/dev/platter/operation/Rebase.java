package dev.platter.operation;

import dev.platter.core.Extent;
import dev.platter.core.ProgressListener;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.ImageKeys;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.capability.BackingReference;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code qemu-img rebase}: points an image at a new backing file. In safe mode (the default) every range the image
 * does not allocate itself, and where the old and the new backing chain differ, is first copied into the image
 * from the old chain (at 512-byte granularity, as qemu compares), so the image reads the same afterwards; with
 * {@code -b ""} the image takes in everything it read from its backing chain and stands alone. {@code -u} only
 * rewrites the reference.
 */
public final class Rebase {
    private static final int SECTOR = 512;
    private static final int IO_BUF_SIZE = 2 << 20;

    private Rebase() {
    }

    public static void run(RebaseOptions o, ProgressListener listener) throws IOException {
        if (!o.flatten() && o.backingFormat() == null) {
            throw new IllegalArgumentException("Could not change the backing file to '" + o.backingFile()
                    + "': backing format must be specified");
        }
        OpenOptions open = OpenOptions.readWriteDefaults().withFormat(o.format()).withOpenBacking(!o.unsafe())
                .withLocking(o.forceShare() ? OpenOptions.Locking.SHARE_BACKING : OpenOptions.Locking.STANDARD)
                .withKeys(o.keys());
        if (o.resolver() != null) {
            open = open.withResolver(o.resolver());
        }
        try (Image image = Images.open(o.image(), o.imageName(), open)) {
            if (!o.unsafe()) {
                copyDifferences(image, o, open, listener);
            }
            BackingReference q = image.capability(BackingReference.class).orElse(null);
            if (q == null) {
                throw new IOException("Could not change the backing file to '" + (o.flatten() ? ""
                        : o.backingFile()) + "': Operation not supported");
            }
            q.setBackingFile(o.flatten() ? null : o.backingFile(), o.flatten() ? null : o.backingFormat());
        }
    }

    private static void copyDifferences(Image image, RebaseOptions o, OpenOptions open, ProgressListener listener)
            throws IOException {
        Image newBacking = null;
        try {
            if (!o.flatten()) {
                try {
                    // Without keys, as qemu-img opens it: the keys by depth belong to the old chain.
                    newBacking = Images.openBacking(o.image(), o.backingFile(), o.backingFormat(),
                            open.withKeys(ImageKeys.none()));
                } catch (IOException e) {
                    throw new IOException("Could not open new backing file '" + o.backingFile() + "': "
                            + e.getMessage(), e);
                }
            }
            Image oldBacking = image.backing();
            int prefixDepth = newBacking == null ? -1 : depthInChain(image, newBacking);
            long size = image.size();
            long oldSize = oldBacking == null ? 0 : oldBacking.size();
            long newSize = newBacking == null ? 0 : newBacking.size();
            ByteBuffer bufOld = ByteBuffer.allocateDirect(IO_BUF_SIZE);
            ByteBuffer bufNew = ByteBuffer.allocateDirect(IO_BUF_SIZE);
            listener.progress(0, size);
            for (long pos = 0; pos < size; ) {
                Extent e = image.mapping(pos, Math.min(IO_BUF_SIZE, size - pos));
                long n = e.length();
                boolean inTop = e.depth() == 0 && e.status() != Extent.Status.UNALLOCATED;
                // Unchanged below the new backing file (when it is part of the old chain): nothing differs.
                boolean belowPrefix = prefixDepth > 0 && e.depth() >= prefixDepth;
                if (!inTop && !belowPrefix) {
                    boolean oldIsZero = pos >= oldSize;
                    // Where neither chain holds data, nothing can differ: skip without reading.
                    boolean oldHasData = !oldIsZero && e.status() == Extent.Status.DATA;
                    boolean newHasData = false;
                    if (newBacking != null && pos < newSize) {
                        Extent ne = newBacking.mapping(pos, Math.min(n, newSize - pos));
                        newHasData = ne.status() == Extent.Status.DATA;
                        if (!oldHasData && !newHasData) {
                            n = Math.min(n, ne.length());
                        }
                    }
                    if (!oldHasData && !newHasData) {
                        pos += n;
                        listener.progress(pos, size);
                        continue;
                    }
                    if (!oldIsZero) {
                        n = Math.min(n, oldSize - pos);
                    }
                    if (newBacking != null && pos < newSize) {
                        n = Math.min(n, newSize - pos);
                    }
                    fill(oldIsZero ? null : oldBacking, pos, (int) n, bufOld);
                    fill(newBacking == null || pos >= newSize ? null : newBacking, pos, (int) n, bufNew);
                    writeDifferences(image, pos, (int) n, bufOld, bufNew, oldIsZero);
                }
                pos += n;
                listener.progress(pos, size);
            }
        } finally {
            if (newBacking != null) {
                newBacking.close();
            }
        }
    }

    /** Reads {@code n} bytes at {@code pos} of {@code from} into {@code buf}, or zeros when {@code from} is null. */
    private static void fill(Image from, long pos, int n, ByteBuffer buf) throws IOException {
        buf.clear().limit(n);
        if (from == null) {
            while (buf.hasRemaining()) {
                buf.put((byte) 0);
            }
        } else {
            from.read(pos, buf);
        }
        buf.flip();
    }

    /** Writes the old content of every run of 512-byte sectors where old and new differ. */
    private static void writeDifferences(Image image, long pos, int n, ByteBuffer bufOld, ByteBuffer bufNew,
                                         boolean oldIsZero) throws IOException {
        int done = 0;
        while (done < n) {
            boolean differ = !sectorEqual(bufOld, bufNew, done, n);
            int run = SECTOR;
            while (done + run < n && !sectorEqual(bufOld, bufNew, done + run, n) == differ) {
                run += SECTOR;
            }
            run = Math.min(run, n - done);
            if (differ) {
                if (oldIsZero) {
                    image.writeZeroes(pos + done, run);
                } else {
                    image.write(pos + done, bufOld.slice(done, run));
                }
            }
            done += run;
        }
    }

    private static boolean sectorEqual(ByteBuffer a, ByteBuffer b, int off, int n) {
        int len = Math.min(SECTOR, n - off);
        return a.slice(off, len).equals(b.slice(off, len));
    }

    /** Depth of {@code candidate}'s file in {@code image}'s backing chain, or -1 when it is not part of it. */
    private static int depthInChain(Image image, Image candidate) {
        Path want = realPath(candidate);
        if (want == null) {
            return -1;
        }
        int depth = 1;
        for (Image layer = image.backing(); layer != null; layer = layer.backing(), depth++) {
            if (want.equals(realPath(layer))) {
                return depth;
            }
        }
        return -1;
    }

    private static Path realPath(Image image) {
        Path p = image.storage() == null ? null : image.storage().path();
        if (p == null) {
            return null;
        }
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return Files.exists(p) ? p.toAbsolutePath().normalize() : null;
        }
    }
}
