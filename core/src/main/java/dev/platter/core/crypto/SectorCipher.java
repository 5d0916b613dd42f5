package dev.platter.core.crypto;

/**
 * A disk cipher: encrypts and decrypts whole sectors in place, each sector with an IV derived from its number.
 * Sector numbers are always counted in 512-byte units (as dm-crypt and qemu count them) whatever the cipher's sector
 * size: a 4096-byte cipher sector at 512-byte sector {@code s} is followed by one at {@code s + 8}. Thread-safe;
 * {@link #close()} drops the key material Platter holds.
 */
public interface SectorCipher extends AutoCloseable {

    /** Bytes per cipher sector: 512, or 4096 where a LUKS2 segment says so. */
    int sectorSize();

    /**
     * Encrypts {@code len} bytes (a multiple of {@link #sectorSize()}) at {@code off} in place; the first sector's IV
     * number is {@code sector}.
     */
    void encrypt(long sector, byte[] buf, int off, int len);

    /** Decrypts in place, as {@link #encrypt} encrypts. */
    void decrypt(long sector, byte[] buf, int off, int len);

    @Override
    void close();
}
