package dev.platter.format.vmdk;

import dev.platter.core.image.ImageMapper;
import dev.platter.core.image.MappedRun;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The one {@link ImageMapper} over all extents of a disk: finds the extent at an offset and asks it, so that runs
 * carry the storage of the right extent file and core's {@code MappedReader} composes them with the parent disk
 * (a delta disk's unallocated grains, in whichever extent, read the parent at the same offset).
 *
 * <p>Two modes, as qemu has two paths: for reads, a grain qemu cannot look up reads as unallocated; for the
 * allocation map it is an error. In both the parent's CID is checked before a run is answered by the parent: qemu
 * checks it only on reads, but Platter's convert and compare read the parent's bytes straight from the file the
 * allocation map names, so the map must not lead there either.
 */
final class VmdkMapper implements ImageMapper {
    private final List<VmdkExtent> extents;
    /** Virtual start offset of each extent, ascending. */
    private final long[] starts;
    private final boolean forRead;
    private final ParentCheck parentCheck;

    /** What a read must check before it reads through to the parent disk. */
    @FunctionalInterface
    interface ParentCheck {
        void beforeParentRead() throws IOException;
    }

    VmdkMapper(List<VmdkExtent> extents, boolean forRead, ParentCheck parentCheck) {
        this.extents = extents;
        this.starts = new long[extents.size()];
        long pos = 0;
        for (int i = 0; i < starts.length; i++) {
            starts[i] = pos;
            pos += extents.get(i).length();
        }
        this.forRead = forRead;
        this.parentCheck = parentCheck;
    }

    /** Index of the extent holding virtual offset {@code pos} (inside the disk). */
    int extentAt(long pos) {
        return extentAt(starts, pos);
    }

    /** Index of the extent holding {@code pos}, given each extent's virtual start offset in ascending order. */
    static int extentAt(long[] starts, long pos) {
        int lo = 0;
        int hi = starts.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (starts[mid] <= pos) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    @Override
    public MappedRun map(long pos, long maxLen) throws IOException {
        int i = extentAt(pos);
        VmdkExtent e = extents.get(i);
        long off = pos - starts[i];
        MappedRun run = e.map(off, Math.min(maxLen, e.length() - off), forRead);
        if (run.kind() == MappedRun.Kind.UNALLOCATED && parentCheck != null) {
            parentCheck.beforeParentRead();
        }
        return run;
    }

    @Override
    public void readCompressed(MappedRun run, long pos, ByteBuffer dst) throws IOException {
        int i = extentAt(pos);
        extents.get(i).readCompressed(run, pos - starts[i], dst);
    }
}
