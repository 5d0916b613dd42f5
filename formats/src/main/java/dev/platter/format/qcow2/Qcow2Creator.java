package dev.platter.format.qcow2;

import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.Preallocation;
import dev.platter.core.image.ReferenceKind;
import dev.platter.core.image.ReferenceResolver;
import dev.platter.core.storage.FileStorage;
import dev.platter.core.storage.HostFiles;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Creates a qcow2 image the way qemu-img 7.2 does, so that the files come out byte for byte the same: header in
 * cluster 0, refcount table in cluster 1, one refcount block in cluster 2, then the image is opened and grown to
 * its size (the L1 table goes to cluster 3, written with exactly l1_size entries), the backing file is recorded,
 * and preallocation done.
 */
final class Qcow2Creator {
    private Qcow2Creator() {
    }

    static void create(Path path, long requestedSize, Qcow2CreateOptions o) throws IOException {
        long size = (requestedSize + 511) & ~511L;
        int clusterBits = Integer.numberOfTrailingZeros(o.clusterSize);
        Geometry g = new Geometry(clusterBits, o.extendedL2, Integer.numberOfTrailingZeros(o.refcountBits));
        if (g.l1EntriesFor(size) * 8 > Qcow2Metadata.MAX_L1_BYTES) {
            throw new IllegalArgumentException("The image size is too large for file format 'qcow2' (try using a "
                    + "larger cluster size)");
        }
        requireFileTarget(path);
        Path dataPath = null;
        if (o.dataFile != null) {
            // qemu creates the data file under the name given (relative to the working directory).
            dataPath = Path.of(o.dataFile);
            requireFileTarget(dataPath);
            try (Storage d = HostFiles.create(dataPath, true)) {
                d.setSize(0);
            }
        }
        int cs = o.clusterSize;
        Qcow2Header h = new Qcow2Header();
        h.version = o.version;
        h.clusterBits = clusterBits;
        h.refcountTableOffset = cs;
        h.refcountTableClusters = 1;
        h.refcountOrder = g.refcountOrder();
        h.compressionType = o.compression.code();
        if (o.version >= 3) {
            h.headerLength = Qcow2Header.V3_LENGTH;
            if (o.lazyRefcounts) {
                h.compatible |= Qcow2Header.COMPAT_LAZY_REFCOUNTS;
            }
            if (o.dataFile != null) {
                h.incompatible |= Qcow2Header.INCOMPAT_DATA_FILE;
                h.dataFile = o.dataFile;
            }
            if (o.dataFileRaw) {
                h.autoclear |= Qcow2Header.AUTOCLEAR_DATA_FILE_RAW;
            }
            if (o.compression != CompressionType.ZLIB) {
                h.incompatible |= Qcow2Header.INCOMPAT_COMPRESSION;
            }
            if (o.extendedL2) {
                h.incompatible |= Qcow2Header.INCOMPAT_EXTL2;
            }
        }
        boolean done = false;
        boolean created = false;
        try {
            try (Storage s = HostFiles.create(path, true)) {
                created = true;
                s.write(0, ByteBuffer.wrap(h.toClusterBytes()));
                // Refcount table (cluster 1) pointing at the block (cluster 2), which counts clusters 0 to 2.
                byte[] block = new byte[cs];
                for (int c = 0; c < 3; c++) {
                    RefcountBlock.set(block, c, g.refcountOrder(), 1);
                }
                byte[] tableAndBlock = new byte[2 * cs];
                ByteBuffer.wrap(tableAndBlock).putLong(0, 2L * cs);
                System.arraycopy(block, 0, tableAndBlock, cs, cs);
                s.write(cs, ByteBuffer.wrap(tableAndBlock));
            }
            Path data = dataPath;
            ReferenceResolver resolver = (referrer, reference, kind) -> kind == ReferenceKind.DATA_FILE && data != null
                    ? data : ReferenceResolver.relativeToImage().resolve(referrer, reference, kind);
            OpenOptions options = OpenOptions.readWriteDefaults().withOpenBacking(false).withResolver(resolver);
            Storage storage = HostFiles.open(path, path.toString(), false);
            try (Qcow2Image image = Qcow2Image.open(storage, options)) {
                image.resize(size, false);
                if (o.encrypted) {
                    image.setUpEncryption(o.cipher, o.hash, o.iterTimeMillis, o.key);
                }
                if (o.backingFile != null) {
                    image.setBackingFile(o.backingFile, o.backingFormat);
                }
                if (o.preallocation != Preallocation.OFF) {
                    image.preallocate(o.preallocation);
                }
            }
            done = true;
        } finally {
            if (!done) {
                // Only a file this call created or emptied is removed after a failure (one in use by another
                // process is refused before anything), and only a regular file (never a device such as /dev/null).
                if (created) {
                    deleteRegularFile(path);
                }
                if (dataPath != null) {
                    deleteRegularFile(dataPath);
                }
            }
        }
    }

    /** A qcow2 image (and its data file) is a regular file; devices and folders are refused before anything. */
    /** A qcow2 image goes into a regular file or onto a block device (whose old bytes no new metadata points at). */
    private static void requireFileTarget(Path p) throws IOException {
        if (Files.exists(p) && !Files.isRegularFile(p) && !FileStorage.isBlockDevice(p)) {
            throw new IOException(p + ": not a regular file or block device; a qcow2 image cannot be created there");
        }
    }

    private static void deleteRegularFile(Path p) throws IOException {
        if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(p);
        }
    }

    /**
     * Allocates every L2 table and data cluster (qemu's metadata preallocation: each L2 table followed by the data
     * clusters it maps), then reserves (falloc) or writes (full) the data clusters.
     */
    static void preallocate(Qcow2Metadata m, Qcow2Writer writer, DataFile data, long size, Preallocation mode)
            throws IOException { // the caller holds the image's write lock
        Geometry g = m.geo;
        int cs = g.clusterSize();
        boolean external = data.isExternal();
        long dataEnd = 0;
        java.util.List<long[]> runs = new java.util.ArrayList<>();
        for (long p = 0; p < size; ) {
            long end = Math.min(size, g.clusterStart(p) + g.l2Coverage());
            long l1 = g.l1Index(p);
            L2Table t = writer.l2ForWrite(l1);
            int first = g.l2Index(p);
            int n = (int) g.clustersFor(end - p);
            long base = external ? p : m.refcounts.allocateClusters(n);
            for (int i = 0; i < n; i++) {
                if (t.entry(first + i) == 0) {
                    t.set(first + i, (base + (long) i * cs) | L2Entry.COPIED, 0);
                }
            }
            m.l2Cache.markDirty(t);
            runs.add(new long[] {base, (long) n * cs});
            dataEnd = Math.max(dataEnd, base + (long) n * cs);
            p = end;
        }
        m.flushMetadata();
        Storage target = data.storage();
        if (external) {
            dataEnd = size;
        }
        if (target.size() < dataEnd) {
            target.setSize(dataEnd);
        }
        for (long[] r : runs) {
            if (mode == Preallocation.FALLOC) {
                target.allocate(r[0], r[1]);
            } else if (mode == Preallocation.FULL) {
                writeZeros(target, r[0], r[1]);
            }
        }
    }

    private static void writeZeros(Storage s, long pos, long len) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(len, 1 << 20));
        for (long done = 0; done < len; ) {
            int n = (int) Math.min(zeros.capacity(), len - done);
            s.write(pos + done, zeros.clear().limit(n));
            done += n;
        }
    }
}
