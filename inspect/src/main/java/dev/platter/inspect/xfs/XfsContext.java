package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;
import dev.platter.inspect.fs.FsOptions;

import java.io.IOException;
import java.util.Arrays;

/**
 * What every structure reader of one mounted filesystem shares: the superblock and its geometry, the cached block
 * reader, the checksum policy and the warning list.
 */
final class XfsContext {
    final Superblock sb;
    final Geometry geo;
    final BlockReader reader;
    final MetadataChecksums checksums;
    final Warnings warnings;
    final boolean v5;

    XfsContext(Superblock sb, BlockReader reader, FsOptions options, Warnings warnings) {
        this.sb = sb;
        this.geo = new Geometry(sb);
        this.reader = reader;
        this.warnings = warnings;
        this.checksums = new MetadataChecksums(options, warnings);
        this.v5 = sb.isV5();
    }

    /** Reads one filesystem block by AG-encoded number, through the cache. */
    byte[] readFsBlock(long fsbno, String what) throws IOException {
        return reader.readCached(geo.fsbToByte(fsbno, what), geo.blockSize, what);
    }

    /**
     * Checks the self-describing fields of a v5 metadata block: its own disk address, owner and filesystem UUID.
     *
     * @param blknoOff offset of the u64 daddr field, ownerOff of the owner (u64, or u32 when {@code owner32})
     */
    void checkSelf(byte[] b, int off, long position, int blknoOff, int uuidOff, int ownerOff, boolean owner32,
                   long expectedOwner, String what) throws CorruptImageException {
        long blkno = Be.u64(b, off + blknoOff);
        if (blkno != Geometry.daddr(position)) {
            throw new CorruptImageException(what, position, "records disk address " + blkno + " but sits at "
                    + Geometry.daddr(position) + ": a misdirected or stale block");
        }
        if (!Arrays.equals(b, off + uuidOff, off + uuidOff + 16, sb.metadataUuid(), 0, 16)) {
            throw new CorruptImageException(what, position, "belongs to another filesystem (UUID "
                    + Superblock.uuidText(Arrays.copyOfRange(b, off + uuidOff, off + uuidOff + 16)) + ")");
        }
        long owner = owner32 ? Be.u32(b, off + ownerOff) : Be.u64(b, off + ownerOff);
        if (owner != expectedOwner) {
            throw new CorruptImageException(what, position, "owned by " + Long.toUnsignedString(owner)
                    + ", expected " + Long.toUnsignedString(expectedOwner));
        }
    }
}
