package dev.platter.format.vpc;

import dev.platter.core.CorruptImageException;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Reads a VHD's metadata as qemu 7.2's vpc_open does, check for check and message for message where qemu has one,
 * and with the bounds qemu does not check (tables and blocks inside the file, a sane block size) so that hostile
 * files end in one-line errors before anything large is allocated.
 */
final class VpcOpener {
    /** qemu's VHD_MAX_SECTORS: 2040 GiB. */
    static final long MAX_SECTORS = 0xff000000L;
    /** Blocks larger than this are refused (qemu takes up to 2 GiB; Windows writes 2 MiB and 512 KiB). */
    static final long MAX_BLOCK_SIZE = 256L << 20;
    /** Entries of the largest table read (64 MiB of memory; 32 TiB of 2 MiB blocks). */
    static final long MAX_TABLE_ENTRIES = 1L << 24;

    private VpcOpener() {
    }

    static VpcLayout open(Storage storage) throws IOException {
        long fileSize = storage.size();
        byte[] raw = new byte[VhdFooter.SIZE];
        int n = readUpTo(storage, 0, raw);
        long footerAt = 0;
        boolean atStart = n == VhdFooter.SIZE && VhdFooter.hasCookie(ByteBuffer.wrap(raw), 0);
        if (!atStart) {
            if (fileSize < VhdFooter.SIZE) {
                throw new CorruptImageException("VHD footer", -1, "File too small for a VHD header (" + fileSize
                        + " bytes)");
            }
            footerAt = fileSize - VhdFooter.SIZE;
            storage.readFully(footerAt, ByteBuffer.wrap(raw));
            if (!VhdFooter.hasCookie(ByteBuffer.wrap(raw), 0)) {
                throw new CorruptImageException("VHD footer", footerAt, "no 'conectix' cookie here nor at offset 0: "
                        + "invalid VPC image");
            }
        }
        VhdFooter footer = VhdFooter.of(raw);
        if (!footer.checksumValid()) {
            throw new CorruptImageException("VHD footer", footerAt, String.format("checksum %08x, its bytes sum to "
                    + "%08x: Incorrect header checksum", footer.storedChecksum(), footer.computedChecksum()));
        }
        long sectors = footer.qemuSectors();
        if (sectors > MAX_SECTORS) {
            throw new CorruptImageException("VHD footer", footerAt, "a disk of " + sectors + " sectors is larger "
                    + "than the 2040 GiB a VHD can hold (File too large)");
        }
        long size = sectors * 512;
        if (!atStart) {
            VhdDiskType stored = VhdDiskType.byCode(footer.diskType());
            if (stored != VhdDiskType.FIXED) {
                // qemu would read such a disk as all zeros: its header is found through the copy at 0 only
                throw new CorruptImageException("VHD footer", 0, "the footer at the end says disk type "
                        + footer.diskType() + ", but the copy at offset 0 that a dynamic disk needs is missing");
            }
            return new VpcLayout(footer, VhdDiskType.FIXED, size, null, null, -1, null);
        }
        VhdDiskType type = VhdDiskType.byCode(footer.diskType());
        if (type == null || type == VhdDiskType.FIXED) {
            throw new CorruptImageException("VHD footer", 0, "disk type " + footer.diskType() + " with a footer "
                    + "copy at offset 0 (dynamic 3 and differencing 4 have one)");
        }
        long headerAt = footer.dataOffset();
        if (headerAt < 0 || headerAt > fileSize - VhdFooter.SIZE) {
            throw new CorruptImageException("VHD dynamic disk header", headerAt, "lies outside the file ("
                    + fileSize + " bytes)");
        }
        byte[] h = new byte[DynamicHeader.SIZE];
        readUpTo(storage, headerAt, h); // qemu reads 512 bytes; the rest (the locators) may be cut short
        DynamicHeader header = DynamicHeader.of(h);
        if (!header.cookieValid()) {
            throw new CorruptImageException("VHD dynamic disk header", headerAt, "no 'cxsparse' cookie: Invalid "
                    + "header magic");
        }
        long blockSize = header.blockSize();
        if (Long.bitCount(blockSize) != 1 || blockSize < 512) {
            throw new CorruptImageException("VHD dynamic disk header", headerAt, "Invalid block size " + blockSize);
        }
        if (blockSize > MAX_BLOCK_SIZE) {
            throw new CorruptImageException("VHD dynamic disk header", headerAt, "block size " + blockSize
                    + " is larger than the " + MAX_BLOCK_SIZE + " bytes Platter reads");
        }
        long entries = header.maxTableEntries();
        if (size / blockSize > 0xffffffffL) {
            throw new CorruptImageException("VHD dynamic disk header", headerAt, "Too many blocks");
        }
        if (entries * blockSize < size) {
            throw new CorruptImageException("VHD dynamic disk header", headerAt, entries + " table entries of "
                    + blockSize + " bytes cannot hold the disk's " + size + " bytes: Page table too small");
        }
        if (entries > MAX_TABLE_ENTRIES) {
            throw new CorruptImageException("VHD block allocation table", header.tableOffset(), entries
                    + " entries: more than the " + MAX_TABLE_ENTRIES + " Platter reads (Max Table Entries too large)");
        }
        long batAt = header.tableOffset();
        long batEnd = batAt + entries * 4;
        if (batAt < 0 || batEnd > fileSize) {
            throw new CorruptImageException("VHD block allocation table", batAt, "its " + entries + " entries run "
                    + "past the end of the file (" + fileSize + " bytes)");
        }
        ByteBuffer table = ByteBuffer.allocate((int) (entries * 4));
        storage.readFully(batAt, table);
        table.flip();
        int[] bat = new int[(int) entries];
        long bitmapSize = VpcLayout.bitmapSize(blockSize);
        long free = (batEnd + 511) & ~511L;
        long metadataEnd = Math.max(headerAt + DynamicHeader.SIZE, batEnd);
        for (int i = 0; i < bat.length; i++) {
            bat[i] = table.getInt();
            if (bat[i] == VpcLayout.UNALLOCATED) {
                continue;
            }
            long blockAt = (bat[i] & 0xffffffffL) * 512;
            long next = blockAt + bitmapSize + blockSize;
            if (blockAt < metadataEnd) {
                throw new CorruptImageException("VHD block allocation table", batAt + 4L * i, "block " + i
                        + " at offset " + blockAt + " lies in the footer, header or table");
            }
            if (next > fileSize) {
                throw new CorruptImageException("VHD block allocation table", batAt + 4L * i, "block " + i
                        + " at offset " + blockAt + " runs past the end of the file (" + fileSize + " bytes): "
                        + "free_data_block_offset points after the end of file. The image has been truncated.");
            }
            free = Math.max(free, next);
        }
        String parent = type == VhdDiskType.DIFFERENCING ? parentReference(storage, header, headerAt, fileSize)
                : null;
        return new VpcLayout(footer, type, size, header, bat, free, parent);
    }

    /**
     * The parent a differencing disk names, as Platter follows it: the relative Windows locator, else the file URL,
     * else the absolute Windows path, else the header's parent name (a bare file name next to the child).
     */
    static String parentReference(Storage storage, DynamicHeader header, long headerAt, long fileSize)
            throws IOException {
        List<ParentLocator> locators = header.locators();
        String relative = null;
        String url = null;
        String absolute = null;
        for (ParentLocator l : locators) {
            String structure = "VHD parent locator " + l.index() + " (" + l.codeText() + ")";
            long at = headerAt + DynamicHeader.LOCATORS_AT + 24L * l.index();
            if (l.code() != ParentLocator.W2RU && l.code() != ParentLocator.W2KU && l.code() != ParentLocator.MACX) {
                continue;
            }
            if (l.dataLength() > ParentLocator.MAX_LENGTH) {
                throw new CorruptImageException(structure, at, "a name of " + l.dataLength() + " bytes (at most "
                        + ParentLocator.MAX_LENGTH + ")");
            }
            if (l.dataOffset() < 0 || l.dataOffset() + l.dataLength() > fileSize) {
                throw new CorruptImageException(structure, at, "its name at offset " + l.dataOffset() + " ("
                        + l.dataLength() + " bytes) lies outside the file (" + fileSize + " bytes)");
            }
            byte[] name = new byte[(int) l.dataLength()];
            storage.readFully(l.dataOffset(), ByteBuffer.wrap(name));
            String path = l.decode(name);
            if (path == null) {
                continue;
            }
            if (l.code() == ParentLocator.W2RU && relative == null) {
                relative = path;
            } else if (l.code() == ParentLocator.MACX && url == null) {
                url = path;
            } else if (l.code() == ParentLocator.W2KU && absolute == null) {
                absolute = path;
            }
        }
        String name = header.parentName();
        String chosen = relative != null ? relative : url != null ? url : absolute != null ? absolute
                : name.isEmpty() ? null : name;
        if (chosen == null) {
            throw new CorruptImageException("VHD dynamic disk header", headerAt, "a differencing disk that names no "
                    + "parent (no usable locator, no parent name)");
        }
        return chosen;
    }

    /** Reads as much of {@code into} as the file has at {@code pos}; the rest stays zero. */
    private static int readUpTo(Storage storage, long pos, byte[] into) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(into);
        while (b.hasRemaining()) {
            int r = storage.readAt(pos + b.position(), b);
            if (r <= 0) {
                break;
            }
        }
        return b.position();
    }
}
