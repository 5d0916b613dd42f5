package dev.platter.core.crypto;

import java.util.Locale;

/**
 * A disk cipher as LUKS headers and qemu's options name it: algorithm and key size, chaining mode, IV generator (and
 * the ESSIV hash). Only AES is implemented (through the JDK); other names are refused by name.
 *
 * @param algorithm  "aes"
 * @param keyBits    the cipher's key size (128, 192, 256); XTS's master key is twice that
 * @param mode       "xts", "cbc" or "ecb"
 * @param ivgen      "plain", "plain64", "essiv", or null for ecb
 * @param ivgenHash  the ESSIV hash, else null
 */
public record CipherSpec(String algorithm, int keyBits, String mode, String ivgen, HashAlgorithm ivgenHash) {

    /** Refuses, by name, what Platter cannot decrypt; every spec made from outside passes here. */
    public CipherSpec checked() throws UnsupportedCipherException {
        if (!algorithm.equals("aes")) {
            throw new UnsupportedCipherException("cipher algorithm '" + algorithm + "' is not supported (only aes)");
        }
        if (keyBits != 128 && keyBits != 192 && keyBits != 256) {
            throw new UnsupportedCipherException("aes with a " + keyBits + "-bit key does not exist");
        }
        switch (mode) {
            case "xts", "cbc" -> {
                if (ivgen == null || !(ivgen.equals("plain") || ivgen.equals("plain64") || ivgen.equals("essiv"))) {
                    throw new UnsupportedCipherException("IV generator '" + ivgen + "' is not supported");
                }
                if (ivgen.equals("essiv") != (ivgenHash != null)) {
                    throw new UnsupportedCipherException("essiv needs a hash and only essiv takes one");
                }
            }
            case "ecb" -> {
                if (ivgen != null) {
                    throw new UnsupportedCipherException("ecb takes no IV generator");
                }
            }
            default -> throw new UnsupportedCipherException("cipher mode '" + mode + "' is not supported");
        }
        return this;
    }

    /** qemu's defaults for a new LUKS volume: aes-256, xts, plain64. */
    public static CipherSpec qemuDefault() {
        return new CipherSpec("aes", 256, "xts", "plain64", null);
    }

    /** The master key length in bytes. */
    public int masterKeyBytes() {
        return keyBits / 8 * (mode.equals("xts") ? 2 : 1);
    }

    /**
     * From a LUKS header's cipher name ("aes") and mode ("xts-plain64", "cbc-essiv:sha256") and the master key
     * length, which decides the key size.
     */
    public static CipherSpec fromLuks(String cipherName, String cipherMode, int keyBytes)
            throws UnsupportedCipherException {
        String name = cipherName.toLowerCase(Locale.ROOT);
        String m = cipherMode.toLowerCase(Locale.ROOT);
        String chain = m;
        String gen = null;
        HashAlgorithm hash = null;
        int dash = m.indexOf('-');
        if (dash >= 0) {
            chain = m.substring(0, dash);
            gen = m.substring(dash + 1);
            int colon = gen.indexOf(':');
            if (colon >= 0) {
                hash = HashAlgorithm.named(gen.substring(colon + 1));
                gen = gen.substring(0, colon);
            }
        }
        if (!name.equals("aes")) {
            throw new UnsupportedCipherException("cipher '" + cipherName + "-" + cipherMode
                    + "' is not supported (only aes)");
        }
        if (chain.equals("ecb") && gen == null) {
            return new CipherSpec(name, keyBytes * 8, chain, null, null).checked();
        }
        int bits = (chain.equals("xts") ? keyBytes / 2 : keyBytes) * 8;
        CipherSpec spec = new CipherSpec(name, bits, chain, gen, hash).checked();
        if (spec.masterKeyBytes() != keyBytes) {
            // An odd length for XTS's two halves: no key size of the cipher gives it.
            throw new UnsupportedCipherException(name + "-" + m + " with a " + keyBytes + "-byte key does not exist");
        }
        return spec;
    }

    /**
     * From qemu's options: {@code cipher-alg} ("aes-256"), {@code cipher-mode}, {@code ivgen-alg},
     * {@code ivgen-hash-alg} (null where not given: qemu's defaults then).
     */
    public static CipherSpec fromQemu(String cipherAlg, String cipherMode, String ivgenAlg, String ivgenHashAlg)
            throws UnsupportedCipherException {
        String alg = cipherAlg == null ? "aes-256" : cipherAlg;
        int dash = alg.lastIndexOf('-');
        int bits;
        try {
            bits = dash < 0 ? -1 : Integer.parseInt(alg.substring(dash + 1));
        } catch (NumberFormatException e) {
            bits = -1;
        }
        if (dash < 0 || bits < 0 || !alg.substring(0, dash).equals("aes")) {
            throw new UnsupportedCipherException("Cipher algorithm '" + alg + "' is not supported (only aes-128, "
                    + "aes-192, aes-256)");
        }
        String mode = cipherMode == null ? "xts" : cipherMode;
        String gen = mode.equals("ecb") ? null : ivgenAlg == null ? "plain64" : ivgenAlg;
        HashAlgorithm hash = "essiv".equals(gen)
                ? HashAlgorithm.named(ivgenHashAlg == null ? "sha256" : ivgenHashAlg) : null;
        return new CipherSpec("aes", bits, mode, gen, hash).checked();
    }

    /** qemu's {@code cipher-alg}: "aes-256". */
    public String qemuAlgorithm() {
        return algorithm + "-" + keyBits;
    }

    /** The LUKS header's cipher mode string: "xts-plain64", "cbc-essiv:sha256", "ecb". */
    public String luksMode() {
        if (ivgen == null) {
            return mode;
        }
        return mode + "-" + ivgen + (ivgenHash != null ? ":" + ivgenHash.qemuName() : "");
    }

    /** A cipher keyed with {@code masterKey} (copied; wipe yours), with cipher sectors of {@code sectorSize}. */
    public SectorCipher newCipher(byte[] masterKey, int sectorSize) throws UnsupportedCipherException {
        if (masterKey.length != masterKeyBytes()) {
            throw new IllegalArgumentException("a " + qemuAlgorithm() + "-" + mode + " key is " + masterKeyBytes()
                    + " bytes, not " + masterKey.length);
        }
        if (sectorSize != 512 && sectorSize != 1024 && sectorSize != 2048 && sectorSize != 4096) {
            throw new UnsupportedCipherException("sector size " + sectorSize + " is not supported");
        }
        String jdk = "AES";
        IvGenerator gen = ivgen == null ? new IvGenerator.Plain64() : switch (ivgen) {
            case "plain" -> new IvGenerator.Plain();
            case "plain64" -> new IvGenerator.Plain64();
            default -> new IvGenerator.Essiv(ivgenHash,
                    masterKey, jdk);
        };
        return switch (mode) {
            case "xts" -> new XtsCipher(jdk, masterKey, gen, sectorSize);
            case "cbc" -> new CbcCipher(jdk, masterKey, gen, sectorSize);
            default -> new EcbCipher(jdk, masterKey, sectorSize);
        };
    }
}
