package dev.platter.inspect.guest;

import dev.platter.core.crypto.Secret;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The passphrases of a guest's LUKS volumes, asked for volume by volume while the guest is opened (partitions in
 * disk order, then LVs by name, as libguestfs's virt tools ask). The secrets stay the provider's: {@link Guest}
 * never keeps or wipes them; it keeps only the decrypted devices, which hold the volume keys.
 */
@FunctionalInterface
public interface GuestKeys {
    /**
     * The passphrases to try, in order, for the LUKS volume on {@code device} (libguestfs's name, "/dev/sda2",
     * "/dev/VG/LV") whose header has {@code uuid}. Empty: the volume stays locked (the guest is read without what
     * it holds). If none of them opens it, opening the guest fails.
     */
    List<Secret> passphrases(String device, String uuid) throws IOException;

    /** No passphrases: every LUKS volume stays locked. */
    static GuestKeys none() {
        return (device, uuid) -> List.of();
    }

    /**
     * The passphrases keyed by device name or LUKS UUID, as libguestfs's {@code --key ID:key:PASSPHRASE} names them:
     * a volume gets every entry whose key is its device name or its UUID.
     */
    static GuestKeys of(Map<String, Secret> byDeviceOrUuid) {
        Map<String, Secret> copy = Map.copyOf(byDeviceOrUuid);
        return (device, uuid) -> {
            List<Secret> out = new ArrayList<>();
            Secret s = copy.get(device);
            if (s != null) {
                out.add(s);
            }
            s = copy.get(uuid);
            if (s != null && !out.contains(s)) {
                out.add(s);
            }
            return out;
        };
    }
}
