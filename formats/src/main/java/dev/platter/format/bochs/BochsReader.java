package dev.platter.format.bochs;

import dev.platter.core.CorruptImageException;
import dev.platter.core.image.ImageMapper;
import dev.platter.core.image.MappedReader;
import dev.platter.core.image.MappedRun;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads a Bochs redolog: the catalog (one u32 per extent, 0xffffffff not allocated) names an extent's place in
 * the data area, where a bitmap (one bit per sector) precedes the extent's sectors; a sector whose bit is clear
 * reads as zeros. qemu 7.2's bochs driver answers no block status, so qemu-img calls the whole disk data without
 * an offset: the map here says the same (one run the format reads itself), so that {@code map} prints what
 * qemu-img prints. A bitmap or sector past the end of the file is damage: qemu would read zeros, Platter says so.
 */
final class BochsReader implements ImageMapper {
    private final Storage storage;
    private final BochsHeader h;
    private final int[] catalog;
    private final long dataOffset;
    private final long fileSize;

    private BochsReader(Storage storage, BochsHeader h, int[] catalog, long fileSize) {
        this.storage = storage;
        this.h = h;
        this.catalog = catalog;
        this.dataOffset = h.headerSize + h.catalogEntries * 4;
        this.fileSize = fileSize;
    }

    static BochsReader read(Storage storage, BochsHeader h) throws IOException {
        long fileSize = storage.size();
        if (h.headerSize + h.catalogEntries * 4 > fileSize) {
            throw new CorruptImageException("bochs catalog of '" + storage.name() + "'", h.headerSize,
                    h.catalogEntries + " entries run past the end of the file (" + fileSize + " bytes)");
        }
        ByteBuffer b = ByteBuffer.allocate((int) h.catalogEntries * 4).order(ByteOrder.LITTLE_ENDIAN);
        storage.readFully(h.headerSize, b);
        int[] catalog = new int[(int) h.catalogEntries];
        b.flip().asIntBuffer().get(catalog);
        return new BochsReader(storage, h, catalog, fileSize);
    }

    /** The rest of the disk from {@code pos}: data the format reads itself, as qemu reports it. */
    @Override
    public MappedRun map(long pos, long maxLen) {
        return new MappedRun(MappedRun.Kind.COMPRESSED, Math.min(maxLen, h.sectors * 512 - pos), storage, -1, 0);
    }

    @Override
    public void readCompressed(MappedRun run, long pos, ByteBuffer dst) throws IOException {
        while (dst.hasRemaining()) {
            long extent = pos / h.extentSize;
            long within = pos % h.extentSize;
            int n = (int) Math.min(dst.remaining(), h.extentSize - within);
            ByteBuffer part = dst.slice(dst.position(), n);
            readInExtent(extent, within, part);
            dst.position(dst.position() + n);
            pos += n;
        }
    }

    private void readInExtent(long extent, long within, ByteBuffer dst) throws IOException {
        long entry = Integer.toUnsignedLong(catalog[(int) extent]);
        if (entry == 0xffffffffL) {
            zero(dst);
            return;
        }
        long bitmapAt;
        try {
            bitmapAt = Math.addExact(dataOffset, Math.multiplyExact(512 * entry, h.extentBlocks + h.bitmapBlocks));
        } catch (ArithmeticException e) {
            bitmapAt = Long.MAX_VALUE; // past any file: reported below
        }
        long firstSector = within / 512;
        long lastSector = (within + dst.remaining() - 1) / 512;
        byte[] bits = new byte[(int) (lastSector / 8 - firstSector / 8 + 1)];
        long bitsAt = bitmapAt + firstSector / 8;
        if (bitsAt > fileSize - bits.length) {
            throw new CorruptImageException("bochs catalog of '" + storage.name() + "'", h.headerSize + extent * 4,
                    "extent " + extent + " has its bitmap at " + bitmapAt + ", past the end of the file ("
                            + fileSize + " bytes)");
        }
        storage.readFully(bitsAt, ByteBuffer.wrap(bits));
        long pos = within;
        while (dst.hasRemaining()) {
            long sector = pos / 512;
            int n = (int) Math.min(dst.remaining(), 512 - pos % 512);
            ByteBuffer part = dst.slice(dst.position(), n);
            int bit = (int) (sector - firstSector / 8 * 8);
            if (((bits[bit / 8] >> (bit % 8)) & 1) == 0) {
                zero(part);
            } else {
                long at = bitmapAt + 512 * (h.bitmapBlocks + sector) + pos % 512;
                if (at > fileSize - n) {
                    throw new CorruptImageException("bochs extent of '" + storage.name() + "'", bitmapAt,
                            "sector " + sector + " of extent " + extent + " lies at " + at + ", past the end of the "
                                    + "file (" + fileSize + " bytes)");
                }
                storage.readFully(at, part);
            }
            dst.position(dst.position() + n);
            pos += n;
        }
    }

    private static void zero(ByteBuffer b) {
        MappedReader.fillZero(b);
    }
}
