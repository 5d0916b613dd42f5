package dev.platter.format.vdi;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The 512-byte VDI header (VirtualBox's format 1.1, little-endian). Parsed fields are what qemu 7.2 checks; the
 * rest of the sector is kept as it was, so that rewriting the header changes only the allocated-block count.
 */
final class VdiHeader {
    static final int SIZE = 512;
    static final int SIGNATURE = 0xbeda107f;
    static final int VERSION_1_1 = 0x00010001;
    static final int TYPE_DYNAMIC = 1;
    static final int TYPE_STATIC = 2;
    /** qemu reads and writes only 1 MiB blocks. */
    static final int BLOCK_SIZE = 1 << 20;
    static final int SECTOR = 512;
    /** qemu's VDI_BLOCKS_IN_IMAGE_MAX: a block map qemu can read in one request (INT_MAX bytes, sector-rounded). */
    static final long MAX_BLOCKS = (0x80000000L - SECTOR) / 4;
    static final long MAX_DISK_SIZE = MAX_BLOCKS * BLOCK_SIZE;
    /** What qemu writes in the text field (VirtualBox writes its own; the value does not matter). */
    static final String QEMU_TEXT = "<<< QEMU VM Virtual Disk Image >>>\n";

    static final int OFF_SIGNATURE = 0x40;
    static final int OFF_VERSION = 0x44;
    static final int OFF_HEADER_SIZE = 0x48;
    static final int OFF_TYPE = 0x4c;
    static final int OFF_BMAP = 0x154;
    static final int OFF_DATA = 0x158;
    static final int OFF_SECTOR_SIZE = 0x168;
    static final int OFF_DISK_SIZE = 0x170;
    static final int OFF_BLOCK_SIZE = 0x178;
    static final int OFF_BLOCK_EXTRA = 0x17c;
    static final int OFF_BLOCKS = 0x180;
    static final int OFF_ALLOCATED = 0x184;
    static final int OFF_UUID_IMAGE = 0x188;
    static final int OFF_UUID_LAST_SNAP = 0x198;
    static final int OFF_UUID_LINK = 0x1a8;
    static final int OFF_UUID_PARENT = 0x1b8;

    private final byte[] raw;
    final int imageType;
    final long offsetBmap;
    final long offsetData;
    /** The disk size stored, rounded up to whole sectors as qemu rounds it. */
    final long diskSize;
    final long blocksInImage;
    /** Blocks allocated as the header says (qemu appends the next block at this index). */
    final long blocksAllocated;

    private VdiHeader(byte[] raw, int imageType, long offsetBmap, long offsetData, long diskSize, long blocksInImage,
                      long blocksAllocated) {
        this.raw = raw;
        this.imageType = imageType;
        this.offsetBmap = offsetBmap;
        this.offsetData = offsetData;
        this.diskSize = diskSize;
        this.blocksInImage = blocksInImage;
        this.blocksAllocated = blocksAllocated;
    }

    /** Reads the header and checks it as qemu's vdi_open does, in its order and with its messages. */
    static VdiHeader read(Storage storage) throws IOException {
        byte[] raw = new byte[SIZE];
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        storage.readAt(0, b.duplicate()); // a short file reads as zeros past its end, as qemu's pread does
        long diskSize = b.getLong(OFF_DISK_SIZE);
        if (Long.compareUnsigned(diskSize, MAX_DISK_SIZE) > 0) {
            throw new UnsupportedFeatureException("vdi disks over " + MAX_DISK_SIZE + " bytes",
                    "Unsupported VDI image size (size is 0x" + Long.toHexString(diskSize) + ", max supported is 0x"
                            + Long.toHexString(MAX_DISK_SIZE) + ")");
        }
        diskSize = (diskSize + SECTOR - 1) / SECTOR * SECTOR; // VBoxManage convertfromraw writes odd sizes
        int signature = b.getInt(OFF_SIGNATURE);
        int version = b.getInt(OFF_VERSION);
        long offsetBmap = u32(b, OFF_BMAP);
        long offsetData = u32(b, OFF_DATA);
        long sectorSize = u32(b, OFF_SECTOR_SIZE);
        long blockSize = u32(b, OFF_BLOCK_SIZE);
        long blocks = u32(b, OFF_BLOCKS);
        if (signature != SIGNATURE) {
            throw new CorruptImageException("vdi header", 0, "Image not in VDI format (bad signature "
                    + String.format("%08x", signature) + ")");
        }
        if (version != VERSION_1_1) {
            throw unsupported("version " + (version >>> 16) + "." + (version & 0xffff));
        }
        if (offsetBmap % SECTOR != 0) {
            throw unsupported("unaligned block map offset 0x" + Long.toHexString(offsetBmap));
        }
        if (offsetData % SECTOR != 0) {
            throw unsupported("unaligned data offset 0x" + Long.toHexString(offsetData));
        }
        if (sectorSize != SECTOR) {
            throw unsupported("sector size " + sectorSize + " is not " + SECTOR);
        }
        if (blockSize != BLOCK_SIZE) {
            String why = "block size " + blockSize + " is not " + BLOCK_SIZE;
            if (Long.bitCount(blockSize) != 1 || blockSize < SECTOR || blockSize > 1L << 30) {
                // No VDI has such blocks: damage, not a variant qemu leaves out
                throw new CorruptImageException("vdi header", OFF_BLOCK_SIZE, "unsupported VDI image (" + why + ")");
            }
            throw unsupported(why);
        }
        if (diskSize > blocks * blockSize) {
            throw new CorruptImageException("vdi header", OFF_BLOCKS, "unsupported VDI image (disk size " + diskSize
                    + ", image bitmap has room for " + blocks * blockSize + ")");
        }
        if (!isNull(raw, OFF_UUID_LINK)) {
            throw unsupported("non-NULL link UUID");
        }
        if (!isNull(raw, OFF_UUID_PARENT)) {
            throw unsupported("non-NULL parent UUID");
        }
        if (blocks > MAX_BLOCKS) {
            throw unsupported("too many blocks " + blocks + ", max is " + MAX_BLOCKS);
        }
        return new VdiHeader(raw, b.getInt(OFF_TYPE), offsetBmap, offsetData, diskSize, blocks,
                u32(b, OFF_ALLOCATED));
    }

    private static UnsupportedFeatureException unsupported(String what) {
        return new UnsupportedFeatureException("vdi " + what, "unsupported VDI image (" + what + ")");
    }

    /** A new header as qemu's vdi_co_do_create writes it: map at 512, data after the sector-rounded map. */
    static ByteBuffer create(long diskSize, boolean fixed, UUID image, UUID lastSnapshot) {
        long blocks = (diskSize + BLOCK_SIZE - 1) / BLOCK_SIZE;
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, QEMU_TEXT.getBytes(StandardCharsets.US_ASCII));
        b.putInt(OFF_SIGNATURE, SIGNATURE).putInt(OFF_VERSION, VERSION_1_1).putInt(OFF_HEADER_SIZE, 0x180);
        b.putInt(OFF_TYPE, fixed ? TYPE_STATIC : TYPE_DYNAMIC);
        b.putInt(OFF_BMAP, SIZE).putInt(OFF_DATA, (int) (SIZE + mapBytesOnDisk(blocks)));
        b.putInt(OFF_SECTOR_SIZE, SECTOR).putLong(OFF_DISK_SIZE, diskSize).putInt(OFF_BLOCK_SIZE, BLOCK_SIZE);
        b.putInt(OFF_BLOCKS, (int) blocks).putInt(OFF_ALLOCATED, fixed ? (int) blocks : 0);
        putUuid(b, OFF_UUID_IMAGE, image);
        putUuid(b, OFF_UUID_LAST_SNAP, lastSnapshot);
        return b;
    }

    /** The block map's room in a new image: one u32 per block, rounded up to whole sectors. */
    static long mapBytesOnDisk(long blocks) {
        return (blocks * 4 + SECTOR - 1) / SECTOR * SECTOR;
    }

    /** This header with another allocated-block count, every other byte as it was read. */
    ByteBuffer withAllocated(long count) {
        ByteBuffer b = ByteBuffer.wrap(raw.clone()).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(OFF_ALLOCATED, (int) count);
        return b;
    }

    boolean isStatic() {
        return imageType == TYPE_STATIC;
    }

    /** IPRT's layout (VirtualBox's): the first three fields little-endian, the last eight bytes as they are. */
    private static void putUuid(ByteBuffer b, int at, UUID u) {
        long hi = u.getMostSignificantBits();
        b.putInt(at, (int) (hi >>> 32)).putShort(at + 4, (short) (hi >>> 16)).putShort(at + 6, (short) hi);
        b.order(ByteOrder.BIG_ENDIAN).putLong(at + 8, u.getLeastSignificantBits()).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static boolean isNull(byte[] raw, int at) {
        for (int i = at; i < at + 16; i++) {
            if (raw[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static long u32(ByteBuffer b, int at) {
        return Integer.toUnsignedLong(b.getInt(at));
    }
}
