package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;
import dev.platter.inspect.fs.FileType;

/**
 * One inode as read from disk: its core and its two forks. The data fork holds the file's bytes (local), its
 * extent list, its bmap btree root, or a device number; the attribute fork, when {@code forkoff} is non-zero,
 * holds the extended attributes in the same three shapes.
 */
final class XfsInode {
    final long ino;
    final long position;
    final InodeCore core;
    private final byte[] raw;
    private volatile ExtentMap dataMap;
    private volatile ExtentMap attrMap;

    private XfsInode(long ino, long position, InodeCore core, byte[] raw) {
        this.ino = ino;
        this.position = position;
        this.core = core;
        this.raw = raw;
    }

    /**
     * Builds and checks inode {@code ino} from its {@code inodeSize} raw bytes (already CRC-checked by the caller).
     */
    static XfsInode parse(long ino, long position, byte[] raw, Superblock sb) throws CorruptImageException {
        InodeCore core = InodeCore.parse(raw, 0, raw.length, sb.isV5(), ino, position);
        XfsInode inode = new XfsInode(ino, position, core, raw);
        inode.check(sb);
        return inode;
    }

    String what() {
        return "xfs inode " + Long.toUnsignedString(ino);
    }

    FileType type() {
        return FileType.fromMode(core.mode());
    }

    private void check(Superblock sb) throws CorruptImageException {
        if (core.mode() == 0) {
            throw new CorruptImageException(what(), position, "the inode is not in use (mode 0)");
        }
        if (core.version() == 3) {
            if (core.ino() != ino) {
                throw new CorruptImageException(what(), position, "records inode number "
                        + Long.toUnsignedString(core.ino()) + ": a misdirected or stale inode");
            }
            if (!java.util.Arrays.equals(core.uuid(), sb.metadataUuid())) {
                throw new CorruptImageException(what(), position, "belongs to another filesystem (UUID "
                        + Superblock.uuidText(core.uuid()) + ")");
            }
        }
        int literal = raw.length - core.literalOffset();
        if (core.forkOff() * 8 >= literal) {
            throw new CorruptImageException(what(), position, "attribute fork offset " + core.forkOff() * 8
                    + " is past the " + literal + "-byte literal area");
        }
        FileType type = type();
        int fmt = core.format();
        boolean ok = switch (type) {
            case REGULAR, DIRECTORY, SYMLINK -> fmt == InodeCore.FMT_LOCAL || fmt == InodeCore.FMT_EXTENTS
                    || fmt == InodeCore.FMT_BTREE;
            case CHAR_DEVICE, BLOCK_DEVICE, FIFO, SOCKET -> fmt == InodeCore.FMT_DEV;
            default -> false;
        };
        if (!ok) {
            throw new CorruptImageException(what(), position, "data fork format " + fmt + " is not valid for a "
                    + type.name().toLowerCase(java.util.Locale.ROOT) + " (mode 0" + Integer.toOctalString(core.mode())
                    + ")");
        }
        if (fmt == InodeCore.FMT_LOCAL && core.size() > dataForkSize()) {
            throw new CorruptImageException(what(), position, "inline size " + core.size()
                    + " exceeds the " + dataForkSize() + "-byte data fork");
        }
        if (fmt == InodeCore.FMT_EXTENTS && core.dataExtents() > dataForkSize() / BmbtRecord.SIZE) {
            throw new CorruptImageException(what(), position, core.dataExtents()
                    + " data extents cannot fit in the " + dataForkSize() + "-byte data fork");
        }
        if (hasAttrFork()) {
            int afmt = core.attrFormat();
            if (afmt != InodeCore.FMT_LOCAL && afmt != InodeCore.FMT_EXTENTS && afmt != InodeCore.FMT_BTREE) {
                throw new CorruptImageException(what(), position, "attribute fork format " + afmt);
            }
            if (afmt == InodeCore.FMT_EXTENTS && core.attrExtents() > attrForkSize() / BmbtRecord.SIZE) {
                throw new CorruptImageException(what(), position, core.attrExtents()
                        + " attribute extents cannot fit in the " + attrForkSize() + "-byte attribute fork");
            }
        }
    }

    boolean hasAttrFork() {
        return core.forkOff() != 0;
    }

    int dataForkOffset() {
        return core.literalOffset();
    }

    int dataForkSize() {
        int literal = raw.length - core.literalOffset();
        return core.forkOff() == 0 ? literal : core.forkOff() * 8;
    }

    int attrForkOffset() {
        return core.literalOffset() + core.forkOff() * 8;
    }

    int attrForkSize() {
        return hasAttrFork() ? raw.length - attrForkOffset() : 0;
    }

    /** A copy of the data fork's bytes. */
    byte[] dataFork() {
        return Be.slice(raw, dataForkOffset(), dataForkSize());
    }

    /** A copy of the attribute fork's bytes (empty without one). */
    byte[] attrFork() {
        return Be.slice(raw, attrForkOffset(), attrForkSize());
    }

    /** Byte offset of the given fork inside the inode, for messages. */
    long forkPosition(boolean attr) {
        return position + (attr ? attrForkOffset() : dataForkOffset());
    }

    /** The device number of a device inode: a u32 {@code major << 18 | minor}. */
    long rdev() {
        return Be.u32(raw, dataForkOffset());
    }

    /**
     * The extent map of the data fork ({@code attr} false) or attribute fork, for forks in extents or btree
     * format; built once per inode.
     */
    ExtentMap extentMap(XfsContext ctx, boolean attr) throws CorruptImageException {
        ExtentMap m = attr ? attrMap : dataMap;
        if (m != null) {
            return m;
        }
        int fmt = attr ? core.attrFormat() : core.format();
        byte[] fork = attr ? attrFork() : dataFork();
        long count = attr ? core.attrExtents() : core.dataExtents();
        String forkWhat = what() + (attr ? " attribute fork" : " data fork");
        if (attr && !hasAttrFork()) {
            m = ExtentList.of();
        } else if (fmt == InodeCore.FMT_EXTENTS) {
            m = ExtentList.parse(fork, count, forkWhat, forkPosition(attr));
        } else if (fmt == InodeCore.FMT_BTREE) {
            m = new BmapBtree(ctx, BmbtRoot.parse(fork, forkWhat, forkPosition(attr)), ino, forkWhat);
        } else {
            throw new CorruptImageException(forkWhat, forkPosition(attr), "format " + fmt + " has no extent map");
        }
        if (attr) {
            attrMap = m;
        } else {
            dataMap = m;
        }
        return m;
    }
}
