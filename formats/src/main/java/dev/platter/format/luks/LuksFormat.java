package dev.platter.format.luks;

import dev.platter.core.crypto.CipherSpec;
import dev.platter.core.crypto.HashAlgorithm;
import dev.platter.core.crypto.Secret;
import dev.platter.core.crypto.UnsupportedCipherException;
import dev.platter.core.crypto.luks.Luks1;
import dev.platter.core.crypto.luks.Luks1Header;
import dev.platter.core.crypto.luks.LuksAmend;
import dev.platter.core.crypto.luks.LuksIo;
import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageFormat;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.Preallocation;
import dev.platter.core.image.capability.SizeEstimate;
import dev.platter.core.storage.HostFiles;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * qemu's {@code luks} driver: a file that is a LUKS1 volume, header and key slots first, then the encrypted guest
 * data (IV = sector number from the payload start), readable by cryptsetup and dm-crypt as well. Options as qemu
 * spells them, without qcow2's {@code encrypt.} prefix.
 */
public final class LuksFormat implements ImageFormat {
    public static final String NAME = "luks";
    static final String KEY_REQUIRED = "Parameter 'key-secret' is required for cipher";
    private static final Set<String> OPTIONS = Set.of("size", "key-secret", "cipher-alg", "cipher-mode", "ivgen-alg",
            "ivgen-hash-alg", "hash-alg", "iter-time", "preallocation");

    @Override
    public String name() {
        return NAME;
    }

    /** The file holds the header and key material besides data. */
    @Override
    public boolean storesMetadata() {
        return true;
    }

    /** An unwritten sector decrypts to noise: convert must write zeros, as qemu's luks driver has no zero init. */
    @Override
    public boolean createdReadsAsZeros() {
        return false;
    }

    @Override
    public int probe(ByteBuffer header, Storage storage) {
        if (header.limit() < 8) {
            return 0;
        }
        for (int i = 0; i < Luks1Header.MAGIC.length; i++) {
            if (header.get(i) != Luks1Header.MAGIC[i]) {
                return 0;
            }
        }
        return header.getShort(6) == 1 ? CERTAIN : 0;
    }

    @Override
    public Image open(Storage storage, OpenOptions options) throws IOException {
        Path path = storage.path() != null ? storage.path() : Path.of(storage.name());
        return LuksImage.open(storage, options.keyFor(path), options.keys().metadataOnly());
    }

    @Override
    public List<String> fileExtensions() {
        return List.of("luks");
    }

    @Override
    public SizeEstimate sizeEstimate(Map<String, String> createOptions) throws IOException {
        CreateOptions o = CreateOptions.of(createOptions);
        o.requireKnown(OPTIONS);
        return new LuksSizeEstimate(Luks1.headerAreaBytes(cipher(o)));
    }

    @Override
    public String describeCreate(long size, CreateOptions options) {
        StringBuilder sb = new StringBuilder("fmt=luks size=").append(size);
        for (String key : List.of("key-secret", "cipher-alg", "cipher-mode", "ivgen-alg", "ivgen-hash-alg",
                "hash-alg", "iter-time", "preallocation")) {
            String v = options.get(key);
            if (v != null) {
                sb.append(' ').append(key).append('=').append(v);
            }
        }
        return sb.toString();
    }

    @Override
    public void create(Path path, long size, CreateOptions options) throws IOException {
        options.requireKnown(OPTIONS);
        String id = options.get("key-secret");
        if (id == null) {
            throw new IllegalArgumentException(KEY_REQUIRED);
        }
        Secret key = options.secrets().get(id);
        CipherSpec spec = cipher(options);
        HashAlgorithm hash;
        try {
            hash = HashAlgorithm.named(options.get("hash-alg", "sha256"));
        } catch (UnsupportedCipherException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        long iterTime = options.has("iter-time") ? LuksAmend.parseIterTime(options.get("iter-time"))
                : LuksAmend.DEFAULT_ITER_TIME_MS;
        Preallocation prealloc = Preallocation.parse(options.get("preallocation", "off"), Preallocation.OFF,
                Preallocation.FALLOC, Preallocation.FULL);
        long payload = Luks1.headerAreaBytes(spec);
        long dataSize = (size + 511) & ~511L;
        boolean done = false;
        try (Storage s = HostFiles.create(path, true)) {
            Luks1.Created created = Luks1.create(LuksIo.of(s), spec, hash, iterTime, key, new SecureRandom());
            try {
                s.setSize(payload + dataSize);
                if (prealloc == Preallocation.FALLOC) {
                    s.allocate(payload, dataSize);
                } else if (prealloc == Preallocation.FULL) {
                    // Full preallocation writes encrypted zeros: the guest reads zeros, as qemu's does.
                    try (LuksImage image = LuksImage.unlocked(s, created.header(), created.masterKey(), false)) {
                        image.writeZeroes(0, dataSize);
                    }
                }
            } finally {
                Secret.wipe(created.masterKey());
            }
            done = true;
        } finally {
            if (!done) {
                java.nio.file.Files.deleteIfExists(path);
            }
        }
    }

    static CipherSpec cipher(CreateOptions o) {
        try {
            return CipherSpec.fromQemu(o.get("cipher-alg"), o.get("cipher-mode"), o.get("ivgen-alg"),
                    o.get("ivgen-hash-alg"));
        } catch (UnsupportedCipherException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }
}
