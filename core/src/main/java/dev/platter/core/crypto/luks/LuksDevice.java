package dev.platter.core.crypto.luks;

import dev.platter.core.BlockDevice;
import dev.platter.core.crypto.DecryptedDevice;
import dev.platter.core.crypto.Secret;
import dev.platter.core.crypto.SectorCipher;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A LUKS volume on a device (a guest partition, an LV, a whole disk): recognised by its magic, opened with a
 * passphrase into the device dm-crypt would map.
 */
public final class LuksDevice {
    private LuksDevice() {
    }

    /** Whether the device starts with a LUKS header of version 1 or 2. */
    public static boolean isLuks(BlockDevice device) throws IOException {
        if (device.size() < 8) {
            return false;
        }
        byte[] head = device.readBytes(0, 8);
        for (int i = 0; i < Luks1Header.MAGIC.length; i++) {
            if (head[i] != Luks1Header.MAGIC[i]) {
                return false;
            }
        }
        int version = ((head[6] & 0xFF) << 8) | (head[7] & 0xFF);
        return version == 1 || version == 2;
    }

    /** The volume's UUID as its header stores it (for LUKS2, the copy cryptsetup would use). */
    public static String uuid(BlockDevice device) throws IOException {
        if (version(device) == 1) {
            return Luks1.read(LuksIo.of(device), 0).uuid();
        }
        return Luks2Header.read(LuksIo.of(device), device.size()).uuid();
    }

    /**
     * The decrypted payload. LUKS1: from the payload offset to the end of the device, sector IVs counted from the
     * payload start. LUKS2 (read only, {@link Luks2#open}): segment 0 as its metadata describes it. A wrong passphrase
     * is a {@link dev.platter.core.crypto.WrongPassphraseException}.
     */
    public static BlockDevice open(BlockDevice device, Secret passphrase, boolean writable) throws IOException {
        if (version(device) != 1) {
            return Luks2.open(device, passphrase, writable);
        }
        LuksIo io = LuksIo.of(device);
        Luks1Header h = Luks1.read(io, 0);
        Luks1.Unlocked key = Luks1.unlock(h, io, passphrase, 0);
        try {
            SectorCipher cipher = h.cipher().newCipher(key.masterKey(), 512);
            long start = h.payloadOffset();
            if (start >= device.size()) {
                throw Luks1Header.corrupt(104, "payload offset " + start + " is past the end of the device ("
                        + device.size() + " bytes)");
            }
            return new DecryptedDevice(device, start, device.size() - start, cipher, 0, !writable);
        } finally {
            Secret.wipe(key.masterKey());
        }
    }

    /**
     * 1 for a LUKS1 header, else 2: anything that is not LUKS1 is read as LUKS2, whose secondary header may serve
     * when the primary is damaged (and whose reader says what is wrong when neither does).
     */
    private static int version(BlockDevice device) throws IOException {
        if (device.size() < 8) {
            return 2;
        }
        byte[] head = device.readBytes(0, 8);
        boolean magic = java.util.Arrays.equals(head, 0, 6, Luks1Header.MAGIC, 0, 6);
        return magic && head[6] == 0 && head[7] == 1 ? 1 : 2;
    }
}
