package dev.platter.format.vhdx;

import dev.platter.core.CorruptImageException;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.BitSet;

/**
 * The block allocation table: one entry per payload block, with a sector-bitmap entry after every chunk of
 * {@code chunkRatio} payload entries. Held in memory (8 bytes per block: 64 Ki entries for a 2 TiB disk of 32 MiB
 * blocks); only the entries qemu uses are read, and they must lie inside the file, which bounds the allocation by
 * what the file holds. Changed entries are remembered by their 4 KiB sector of the BAT region: the unit the log
 * writes.
 */
final class Bat {
    static final int SECTOR = 4096;
    private final long[] entries;
    private final long regionOffset;
    private final long chunkRatio;
    private final BitSet dirtySectors = new BitSet();

    private Bat(long[] entries, long regionOffset, long chunkRatio) {
        this.entries = entries;
        this.regionOffset = regionOffset;
        this.chunkRatio = chunkRatio;
    }

    static Bat read(Storage file, RegionTable.Region region, VhdxMetadata m) throws IOException {
        long count = m.batEntries();
        if (count > region.length() / 8) {
            throw new CorruptImageException("vhdx BAT region", region.offset(), "holds " + region.length() / 8
                    + " entries; the disk needs " + count);
        }
        long fileSize = file.size();
        if (count > 0 && (region.offset() > fileSize || count * 8 > fileSize - region.offset())) {
            throw new CorruptImageException("vhdx BAT region", region.offset(), "its " + count + " entries end "
                    + "past the end of the file (" + fileSize + " bytes)");
        }
        long[] entries = new long[(int) count];
        ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(1 << 20, Math.max(8, count * 8)))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (int done = 0; done < count; ) {
            int n = (int) Math.min(count - done, chunk.capacity() / 8);
            chunk.clear().limit(n * 8);
            file.readFully(region.offset() + done * 8L, chunk);
            chunk.flip();
            chunk.asLongBuffer().get(entries, done, n);
            done += n;
        }
        return new Bat(entries, region.offset(), m.chunkRatio());
    }

    /** A BAT for a new disk, all entries zero (NOT_PRESENT). */
    static Bat empty(long count, long regionOffset, long chunkRatio) {
        return new Bat(new long[(int) count], regionOffset, chunkRatio);
    }

    int size() {
        return entries.length;
    }

    long chunkRatio() {
        return chunkRatio;
    }

    /** The BAT index of payload block {@code block}. */
    long payloadIndex(long block) {
        return block + block / chunkRatio;
    }

    /** Whether entry {@code index} is a payload entry (not a sector-bitmap one). */
    boolean isPayload(long index) {
        return (index + 1) % (chunkRatio + 1) != 0;
    }

    long entry(long index) {
        return entries[(int) index];
    }

    void set(long index, long entry) {
        entries[(int) index] = entry;
        dirtySectors.set((int) (index * 8 / SECTOR));
    }

    long regionOffset() {
        return regionOffset;
    }

    boolean dirty() {
        return !dirtySectors.isEmpty();
    }

    /** The changed 4 KiB sectors of the BAT region, by index, and forgets them. */
    int[] takeDirtySectors() {
        int[] s = dirtySectors.stream().toArray();
        dirtySectors.clear();
        return s;
    }

    /** The bytes of BAT sector {@code sector} (entries past the end of the table as zeros). */
    byte[] sectorBytes(int sector) {
        ByteBuffer b = ByteBuffer.allocate(SECTOR).order(ByteOrder.LITTLE_ENDIAN);
        long first = (long) sector * SECTOR / 8;
        for (int i = 0; i < SECTOR / 8 && first + i < entries.length; i++) {
            b.putLong(i * 8, entries[(int) (first + i)]);
        }
        return b.array();
    }

    /** The whole table's bytes (creation). */
    byte[] encode(long regionLength) {
        ByteBuffer b = ByteBuffer.allocate((int) regionLength).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < entries.length; i++) {
            b.putLong(i * 8, entries[i]);
        }
        return b.array();
    }
}
