package dev.platter.core.crypto.luks;

import dev.platter.core.crypto.CipherSpec;
import dev.platter.core.crypto.UnsupportedCipherException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What qemu-img info shows of a LUKS1 header (QCryptoBlockInfoLUKS): needs no key. */
public final class LuksInfo {
    private LuksInfo() {
    }

    /** The members in QAPI schema order; the caller adds {@code format} where qemu shows it. */
    public static Map<String, Object> of(Luks1Header h) {
        Map<String, Object> d = new LinkedHashMap<>();
        CipherSpec spec = null;
        try {
            spec = h.cipher();
        } catch (UnsupportedCipherException e) {
            // described as far as the names go
        }
        d.put("cipher-alg", spec != null ? spec.qemuAlgorithm() : h.cipherName());
        d.put("cipher-mode", spec != null ? spec.mode() : h.cipherMode());
        if (spec != null && spec.ivgen() != null) {
            d.put("ivgen-alg", spec.ivgen());
            if (spec.ivgenHash() != null) {
                d.put("ivgen-hash-alg", spec.ivgenHash().qemuName());
            }
        }
        d.put("hash-alg", h.hashSpec());
        d.put("payload-offset", h.payloadOffset());
        d.put("master-key-iters", h.mkDigestIterations());
        d.put("uuid", h.uuid());
        List<Object> slots = new ArrayList<>();
        for (LuksKeySlot s : h.slots()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("active", s.active());
            if (s.active()) {
                m.put("iters", s.iterations());
                m.put("stripes", (long) s.stripes());
            }
            m.put("key-offset", s.materialOffset());
            slots.add(m);
        }
        d.put("slots", slots);
        return d;
    }
}
