package dev.platter.core.crypto;

import dev.platter.core.BlockDevice;
import dev.platter.core.Bounds;
import dev.platter.core.Extent;
import dev.platter.core.ReadOnlyDeviceException;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The plaintext of an encrypted window of a device (a LUKS payload on a guest partition or in a raw LUKS file): what
 * dm-crypt would map. Its allocation map is all data, as for dm-crypt and qemu's luks driver: an unwritten run of the
 * device below decrypts to noise, not zeros.
 */
public final class DecryptedDevice implements BlockDevice {
    private final BlockDevice lower;
    private final long start;
    private final long size;
    private final SectorCrypt crypt;
    private final boolean readOnly;

    /**
     * @param start where the payload starts on {@code lower}; its first sector has IV number {@code ivBase}
     * @param size  the payload's length (whole cipher sectors)
     */
    public DecryptedDevice(BlockDevice lower, long start, long size, SectorCipher cipher, long ivBase,
                           boolean readOnly) {
        if (start < 0 || size < 0 || start + size > lower.size()) {
            throw new IllegalArgumentException("payload " + start + "+" + size + " is outside the device ("
                    + lower.size() + " bytes)");
        }
        this.lower = lower;
        this.start = start;
        this.size = size - size % cipher.sectorSize();
        this.crypt = new SectorCrypt(cipher, start, ivBase);
        this.readOnly = readOnly || lower.isReadOnly();
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        Bounds.check(pos, dst.remaining(), size, describe());
        crypt.read(start + pos, dst, lower::read);
    }

    @Override
    public void write(long pos, ByteBuffer src) throws IOException {
        if (readOnly) {
            throw new ReadOnlyDeviceException(describe());
        }
        Bounds.check(pos, src.remaining(), size, describe());
        crypt.write(start + pos, src, lower::read, lower::write);
    }

    /** Zeros are written encrypted: a zeroed run below would read as noise. */
    @Override
    public void writeZeroes(long pos, long len) throws IOException {
        byte[] zeros = new byte[(int) Math.min(len, 1 << 20)];
        for (long done = 0; done < len; ) {
            int n = (int) Math.min(zeros.length, len - done);
            write(pos + done, ByteBuffer.wrap(zeros, 0, n));
            done += n;
        }
    }

    /**
     * A discarded range reads as zeros, as it does on every Platter image: freeing the sectors below would make them
     * decrypt to noise, so zeros are written encrypted instead.
     */
    @Override
    public void discard(long pos, long len) throws IOException {
        if (readOnly) {
            throw new ReadOnlyDeviceException(describe());
        }
        Bounds.check(pos, len, size, describe());
        writeZeroes(pos, len);
    }

    @Override
    public void flush() throws IOException {
        lower.flush();
    }

    @Override
    public Extent mapping(long pos, long maxLen) throws IOException {
        Bounds.checkMapping(pos, maxLen, size, describe());
        return Extent.data(pos, Math.min(maxLen, size - pos), -1, null);
    }

    @Override
    public String describe() {
        return "decrypted(" + lower.describe() + ")";
    }

    @Override
    public void close() {
        crypt.cipher().close();
    }
}
