package dev.platter.format.vdi;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.BitSet;

/**
 * The VDI block map: one little-endian u32 per block of the disk, the block's index in the data area, or one of
 * two markers (never allocated; discarded). Held in memory whole, as qemu holds it, so it must lie inside the file
 * and be of a size Platter is willing to hold. Changed entries are remembered by map sector until written back.
 */
final class BlockMap {
    /** A block never allocated: reads as zeros (VDI images here have no parent). */
    static final long UNALLOCATED = 0xffffffffL;
    /** A block discarded: reads as zeros. */
    static final long DISCARDED = 0xfffffffeL;
    /** Entries per 512-byte map sector. */
    static final int PER_SECTOR = VdiHeader.SECTOR / 4;
    /**
     * Platter holds at most this many entries (128 MiB of map: a 32 TiB disk); qemu's own limit is 16 times more,
     * but a map that big is read whole before the first byte of the disk.
     */
    static final long MAX_HELD = 1L << 25;

    private final int[] entries;
    private final long offset;
    private final BitSet dirtySectors = new BitSet();

    private BlockMap(int[] entries, long offset) {
        this.entries = entries;
        this.offset = offset;
    }

    /** Reads the map the header describes; it must lie inside the file. */
    static BlockMap read(Storage storage, VdiHeader h) throws IOException {
        long count = h.blocksInImage;
        long fileSize = storage.size();
        if (h.offsetBmap + count * 4 > fileSize) {
            throw new CorruptImageException("vdi block map of '" + storage.name() + "'", h.offsetBmap,
                    count + " entries run past the end of the file (" + fileSize + " bytes)");
        }
        if (count > MAX_HELD) {
            throw new UnsupportedFeatureException("vdi block maps over " + MAX_HELD + " entries",
                    "'" + storage.name() + "': a VDI block map of " + count + " entries (Platter holds at most "
                            + MAX_HELD + ", a " + (MAX_HELD >> 20) + " TiB disk)");
        }
        int[] entries = new int[(int) count];
        ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (int done = 0; done < count; ) {
            int n = (int) Math.min(count - done, b.capacity() / 4);
            b.clear().limit(n * 4);
            storage.readFully(h.offsetBmap + done * 4L, b);
            b.flip();
            for (int i = 0; i < n; i++) {
                entries[done + i] = b.getInt();
            }
            done += n;
        }
        return new BlockMap(entries, h.offsetBmap);
    }

    int size() {
        return entries.length;
    }

    /** The entry of {@code block}, unsigned. */
    long entry(long block) {
        return Integer.toUnsignedLong(entries[(int) block]);
    }

    static boolean allocated(long entry) {
        return entry < DISCARDED;
    }

    /** The highest data-area index an entry names, or -1 when none is allocated. */
    long highestIndex() {
        long max = -1;
        for (int e : entries) {
            long v = Integer.toUnsignedLong(e);
            if (allocated(v) && v > max) {
                max = v;
            }
        }
        return max;
    }

    void set(long block, long index) {
        entries[(int) block] = (int) index;
        dirtySectors.set((int) (block / PER_SECTOR));
    }

    boolean dirty() {
        return !dirtySectors.isEmpty();
    }

    /** Writes the changed map sectors back (each whole, as qemu writes them), in file order. */
    void writeBack(Storage storage) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(VdiHeader.SECTOR).order(ByteOrder.LITTLE_ENDIAN);
        for (int s = dirtySectors.nextSetBit(0); s >= 0; s = dirtySectors.nextSetBit(s + 1)) {
            int first = s * PER_SECTOR;
            int n = Math.min(PER_SECTOR, entries.length - first);
            b.clear().limit(n * 4);
            for (int i = 0; i < n; i++) {
                b.putInt(entries[first + i]);
            }
            b.flip();
            storage.write(offset + (long) first * 4, b);
        }
        dirtySectors.clear();
    }
}
