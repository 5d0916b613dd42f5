package dev.platter.format.vhdx;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The metadata region's table (its first 64 KiB) and the items the disk is read by: block size and flags (file
 * parameters), virtual disk size, page 83 data, logical and physical sector size, parent locator. Parsed as qemu
 * parses it: each known item at most once, an unknown item refused only when marked required, all five always
 * present; the values range-checked as qemu checks them, the size also against the specification's 64 TiB.
 */
record VhdxMetadata(long blockSize, boolean leaveBlocksAllocated, boolean hasParent, long virtualSize,
                    VhdxGuid page83, int logicalSectorSize, int physicalSectorSize, long parentLocatorOffset,
                    long parentLocatorLength) {
    static final int TABLE_SIZE = 64 << 10;
    static final long SIGNATURE = 0x617461646174656dL; // "metadata"
    static final long MIN_BLOCK = 1 << 20;
    static final long MAX_BLOCK = 256 << 20;
    static final long MAX_SIZE = 64L << 40;
    static final int FLAG_LEAVE_BLOCKS_ALLOCATED = 1;
    static final int FLAG_HAS_PARENT = 2;
    static final int ITEM_IS_VIRTUAL_DISK = 2;
    static final int ITEM_IS_REQUIRED = 4;
    /** Where qemu puts the items: right after the table. */
    static final int FIRST_ITEM = 64 << 10;

    private static final VhdxGuid[] KNOWN = {VhdxGuid.FILE_PARAMETERS, VhdxGuid.VIRTUAL_DISK_SIZE,
        VhdxGuid.PAGE_83_DATA, VhdxGuid.LOGICAL_SECTOR_SIZE, VhdxGuid.PHYSICAL_SECTOR_SIZE,
        VhdxGuid.PARENT_LOCATOR};
    private static final String[] NAMES = {"file parameters", "virtual disk size", "page 83 data",
        "logical sector size", "physical sector size", "parent locator"};

    static VhdxMetadata read(Storage file, RegionTable.Region region) throws IOException {
        String what = "vhdx metadata table";
        byte[] table = VhdxFile.readPadded(file, region.offset(), TABLE_SIZE);
        ByteBuffer b = ByteBuffer.wrap(table).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getLong(0) != SIGNATURE) {
            throw new CorruptImageException(what, region.offset(), "no 'metadata' signature");
        }
        int count = b.getShort(10) & 0xffff;
        if (count * 32L > TABLE_SIZE - 32) {
            throw new CorruptImageException(what, region.offset(), count + " entries do not fit its 64 KiB");
        }
        long[] offsets = new long[KNOWN.length];
        long[] lengths = new long[KNOWN.length];
        boolean[] present = new boolean[KNOWN.length];
        for (int i = 0; i < count; i++) {
            int at = 32 + 32 * i;
            VhdxGuid id = VhdxGuid.read(b, at);
            int known = -1;
            for (int k = 0; k < KNOWN.length; k++) {
                if (KNOWN[k].equals(id)) {
                    known = k;
                }
            }
            if (known < 0) {
                if ((b.getInt(at + 24) & ITEM_IS_REQUIRED) != 0) {
                    throw new UnsupportedFeatureException("vhdx metadata item " + id, "required vhdx metadata "
                            + "item " + id + " is not known (metadata table entry " + i + ")");
                }
                continue;
            }
            if (present[known]) {
                throw new CorruptImageException(what + " entry " + i, region.offset() + at, "a second "
                        + NAMES[known] + " item");
            }
            present[known] = true;
            offsets[known] = b.getInt(at + 16) & 0xffffffffL;
            lengths[known] = b.getInt(at + 20) & 0xffffffffL;
        }
        for (int k = 0; k < 5; k++) {
            if (!present[k]) {
                throw new CorruptImageException(what, region.offset(), "no " + NAMES[k] + " item");
            }
        }
        ByteBuffer params = item(file, region, offsets[0], 8);
        long blockSize = params.getInt(0) & 0xffffffffL;
        int flags = params.getInt(4);
        boolean hasParent = (flags & FLAG_HAS_PARENT) != 0;
        if (hasParent && !present[5]) {
            throw new CorruptImageException("vhdx file parameters", region.offset() + offsets[0], "has_parent is "
                    + "set but there is no parent locator");
        }
        long size = item(file, region, offsets[1], 8).getLong(0);
        int logical = item(file, region, offsets[3], 4).getInt(0);
        int physical = item(file, region, offsets[4], 4).getInt(0);
        VhdxGuid page83 = VhdxGuid.read(item(file, region, offsets[2], 16), 0);
        if (blockSize < MIN_BLOCK || blockSize > MAX_BLOCK || Long.bitCount(blockSize) != 1) {
            throw new CorruptImageException("vhdx file parameters", region.offset() + offsets[0], "block size "
                    + blockSize + " (a power of two from 1 MiB to 256 MiB)");
        }
        if (logical != 512 && logical != 4096) {
            throw new CorruptImageException("vhdx logical sector size", region.offset() + offsets[3],
                    Integer.toUnsignedString(logical) + " (512 or 4096)");
        }
        if (size < 0 || size > MAX_SIZE) {
            throw new CorruptImageException("vhdx virtual disk size", region.offset() + offsets[1],
                    Long.toUnsignedString(size) + " bytes (at most 64 TiB)");
        }
        return new VhdxMetadata(blockSize, (flags & FLAG_LEAVE_BLOCKS_ALLOCATED) != 0, hasParent, size, page83,
                logical, physical, present[5] ? region.offset() + offsets[5] : -1, present[5] ? lengths[5] : 0);
    }

    /** An item's first bytes (zeros past the end of the file, as qemu reads them). */
    private static ByteBuffer item(Storage file, RegionTable.Region region, long offset, int length)
            throws IOException {
        return ByteBuffer.wrap(VhdxFile.readPadded(file, region.offset() + offset, length))
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Payload blocks per sector-bitmap block: 2^23 sectors of the bitmap's 1 MiB, divided by the block's. */
    long chunkRatio() {
        return (1L << 23) * logicalSectorSize / blockSize;
    }

    /** qemu's BAT size: payload entries with a bitmap entry after every chunk (the last chunk's only if full). */
    long batEntries() {
        long blocks = (virtualSize + blockSize - 1) / blockSize;
        if (hasParent) {
            return (blocks + chunkRatio() - 1) / chunkRatio() * (chunkRatio() + 1);
        }
        return blocks == 0 ? 0 : blocks + (blocks - 1) / chunkRatio();
    }

    /** qemu's metadata region for a new disk: table, then the five items in this order. */
    static byte[] encode(long blockSize, boolean fixed, long size, VhdxGuid page83, int sectorSize) {
        byte[] out = new byte[FIRST_ITEM + 40];
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, SIGNATURE);
        b.putShort(10, (short) 5);
        int[] lengths = {8, 8, 16, 4, 4};
        int offset = FIRST_ITEM;
        for (int i = 0; i < 5; i++) {
            int at = 32 + 32 * i;
            KNOWN[i].write(b, at);
            b.putInt(at + 16, offset);
            b.putInt(at + 20, lengths[i]);
            b.putInt(at + 24, i == 0 ? ITEM_IS_REQUIRED : ITEM_IS_REQUIRED | ITEM_IS_VIRTUAL_DISK);
            offset += lengths[i];
        }
        b.putInt(FIRST_ITEM, (int) blockSize);
        b.putInt(FIRST_ITEM + 4, fixed ? FLAG_LEAVE_BLOCKS_ALLOCATED : 0);
        b.putLong(FIRST_ITEM + 8, size);
        page83.write(b, FIRST_ITEM + 16);
        b.putInt(FIRST_ITEM + 32, sectorSize);
        b.putInt(FIRST_ITEM + 36, sectorSize);
        return out;
    }

}
