package dev.platter.core.crypto.luks;

/**
 * A LUKS1 key slot: whether it holds a key, the PBKDF2 iterations and salt that turn a passphrase into the key that
 * encrypts the slot's material, and where the material (the master key split into {@code stripes}) lies.
 */
public record LuksKeySlot(boolean active, long iterations, byte[] salt, long materialOffsetSectors, int stripes) {

    /** Sectors the material of a {@code keyBytes} key split into {@code stripes} takes. */
    static long materialSectors(int keyBytes, int stripes) {
        return ((long) keyBytes * stripes + 511) / 512;
    }

    public long materialOffset() {
        return materialOffsetSectors * 512;
    }
}
