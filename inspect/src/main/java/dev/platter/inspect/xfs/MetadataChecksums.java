package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;
import dev.platter.inspect.fs.FsOptions;

import java.util.zip.CRC32C;

/**
 * The v5 metadata checksum: CRC-32C over the object with its own CRC field taken as zero, stored little-endian.
 * What a mismatch does follows {@link FsOptions}: fail, or warn and read on.
 */
final class MetadataChecksums {
    private static final byte[] ZERO = new byte[4];
    private final FsOptions options;
    private final Warnings warnings;

    MetadataChecksums(FsOptions options, Warnings warnings) {
        this.options = options;
        this.warnings = warnings;
    }

    static long compute(byte[] b, int off, int len, int crcOffset) {
        CRC32C crc = new CRC32C();
        crc.update(b, off, crcOffset);
        crc.update(ZERO, 0, 4);
        crc.update(b, off + crcOffset + 4, len - crcOffset - 4);
        return crc.getValue();
    }

    /**
     * Checks the CRC of the {@code len}-byte object at {@code b[off]} whose CRC field sits at {@code crcOffset}.
     *
     * @param structure names the object for the report, e.g. "xfs inode 131"
     * @param position  the object's byte offset on the device
     */
    void verify(byte[] b, int off, int len, int crcOffset, String structure, long position)
            throws CorruptImageException {
        if (!options.verifyChecksums()) {
            return;
        }
        long stored = Be.le32(b, off + crcOffset);
        long actual = compute(b, off, len, crcOffset);
        if (stored != actual) {
            String problem = "CRC mismatch: stored 0x" + Long.toHexString(stored) + ", computed 0x"
                    + Long.toHexString(actual);
            if (!options.readOnMismatch()) {
                throw new ChecksumMismatchException(structure, position, problem);
            }
            warnings.add(new CorruptImageException(structure, position, problem).getMessage() + " (read on)");
        }
    }
}
