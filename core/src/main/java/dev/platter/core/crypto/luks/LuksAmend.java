package dev.platter.core.crypto.luks;

import dev.platter.core.crypto.Secret;
import dev.platter.core.crypto.Secrets;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code qemu-img amend} of a LUKS1 header: {@code state=active} puts {@code new-secret} into a free slot (or
 * {@code keyslot}); {@code state=inactive} erases {@code keyslot} or every slot {@code old-secret} opens, never the
 * last one. Option names without qcow2's {@code encrypt.} prefix; qemu's messages.
 */
public final class LuksAmend {
    public static final long DEFAULT_ITER_TIME_MS = 2000;

    private LuksAmend() {
    }

    public static void amend(Luks1Header h, LuksIo io, byte[] masterKey, Map<String, String> options,
                             Secrets secrets, long base) throws IOException {
        String state = options.get("state");
        if (state == null) {
            throw new IllegalArgumentException("Parameter 'state' is missing");
        }
        Integer keyslot = null;
        if (options.containsKey("keyslot")) {
            try {
                keyslot = Integer.parseInt(options.get("keyslot"));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Parameter 'keyslot' expects an integer");
            }
            if (keyslot < 0 || keyslot >= Luks1Header.SLOTS) {
                throw new IllegalArgumentException("Invalid keyslot " + keyslot + " specified, must be between 0 and "
                        + (Luks1Header.SLOTS - 1));
            }
        }
        SecureRandom random = new SecureRandom();
        switch (state) {
            case "active" -> {
                if (options.containsKey("old-secret")) {
                    throw new IllegalArgumentException("'old-secret' must not be given when activating keyslots");
                }
                if (!options.containsKey("new-secret")) {
                    throw new IllegalArgumentException("'new-secret' is required to activate a keyslot");
                }
                Secret secret = secrets.get(options.get("new-secret"));
                long iterTime = options.containsKey("iter-time") ? parseIterTime(options.get("iter-time"))
                        : DEFAULT_ITER_TIME_MS;
                int slot;
                if (keyslot != null) {
                    slot = keyslot;
                    if (h.slots.get(slot).active()) {
                        throw new IllegalArgumentException("Refusing to overwrite active keyslot " + slot
                                + " - please erase it first");
                    }
                } else {
                    slot = -1;
                    for (int i = 0; i < Luks1Header.SLOTS && slot < 0; i++) {
                        if (!h.slots.get(i).active()) {
                            slot = i;
                        }
                    }
                    if (slot < 0) {
                        throw new IllegalArgumentException("Can't add a keyslot - all keyslots are in use");
                    }
                }
                Luks1.addKey(h, io, masterKey, secret, slot, iterTime, random);
            }
            case "inactive" -> {
                if (options.containsKey("new-secret")) {
                    throw new IllegalArgumentException("'new-secret' must not be given when erasing keyslots");
                }
                if (options.containsKey("iter-time")) {
                    throw new IllegalArgumentException("'iter-time' must not be given when erasing keyslots");
                }
                int active = 0;
                for (LuksKeySlot s : h.slots) {
                    active += s.active() ? 1 : 0;
                }
                if (keyslot != null) {
                    if (!h.slots.get(keyslot).active()) {
                        throw new IllegalArgumentException("Given keyslot " + keyslot
                                + " is already erased (inactive) ");
                    }
                    if (active == 1) {
                        throw new IllegalArgumentException("Attempt to erase the only active keyslot " + keyslot
                                + " which will erase all the data in the image irreversibly - refusing operation");
                    }
                    Luks1.eraseKey(h, io, keyslot, random);
                } else if (options.containsKey("old-secret")) {
                    Secret old = secrets.get(options.get("old-secret"));
                    List<Integer> matching = new ArrayList<>();
                    for (int i = 0; i < Luks1Header.SLOTS; i++) {
                        if (h.slots.get(i).active()) {
                            byte[] key = Luks1.tryUnlock(h, io, old, i, base);
                            if (key != null) {
                                Secret.wipe(key);
                                matching.add(i);
                            }
                        }
                    }
                    if (matching.isEmpty()) {
                        throw new IllegalArgumentException("No keyslots match given (old) password for erase "
                                + "operation");
                    }
                    if (matching.size() == active) {
                        throw new IllegalArgumentException("All the active keyslots match the (old) password that "
                                + "was given and erasing them will erase all the data in the image irreversibly - "
                                + "refusing operation");
                    }
                    for (int i : matching) {
                        Luks1.eraseKey(h, io, i, random);
                    }
                } else {
                    throw new IllegalArgumentException("To erase keyslot(s), either explicit keyslot index or the "
                            + "password currently contained in them must be given");
                }
            }
            default -> throw new IllegalArgumentException("Parameter 'state' does not accept value '" + state + "'");
        }
    }

    /** qemu's {@code iter-time}: milliseconds, a positive integer. */
    public static long parseIterTime(String value) {
        try {
            long v = Long.parseLong(value);
            if (v > 0 && v <= 1_000_000) {
                return v;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("Parameter 'iter-time' expects a positive number of milliseconds (at "
                + "most 1000000)");
    }
}
