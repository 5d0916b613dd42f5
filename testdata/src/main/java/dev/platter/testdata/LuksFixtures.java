package dev.platter.testdata;

import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The LUKS guest disks (testdata/scripts/make-guest-luks.sh), rebuilt from what is committed. An encrypted payload is
 * random bytes that no compressor shrinks, so the fixture holds the disk with its LUKS payload in the clear
 * ({@code NAME.plain.raw.xz}: headers and key slots exactly as cryptsetup wrote them, the payload as dm-crypt
 * decrypts it) and a recipe ({@code NAME.luks}: cipher, volume key, payload offset and length, sector size, the
 * SHA-256 of the real disk). {@link #encrypt} encrypts the payload again (AES-XTS, a plain64 IV per sector: its
 * offset in the payload in 512-byte units, as dm-crypt counts it for LUKS1 and for LUKS2 without iv_large_sectors,
 * even with 4096-byte sectors: sector n of 4096 bytes has IV 8n) and checks the result against that SHA-256: the rebuilt disk is byte for byte the one
 * cryptsetup and dm-crypt wrote, or the rebuild fails. Nothing here is Platter's LUKS code.
 *
 * <p>JDK only, so that the capture scripts run it as a source file:
 * {@code java testdata/src/main/java/dev/platter/testdata/LuksFixtures.java DISK RECIPE}.
 */
public final class LuksFixtures {
    private static final int BLOCK = 16;

    private LuksFixtures() {
    }

    /** A parsed {@code NAME.luks} recipe. */
    public record Recipe(String cipher, byte[] volumeKey, long payloadOffset, long payloadLength, int sectorSize,
                         String sha256) {
        public static Recipe parse(String text) {
            Map<String, String> m = new LinkedHashMap<>();
            for (String line : text.split("\n")) {
                String l = line.strip();
                if (l.isEmpty() || l.startsWith("#")) {
                    continue;
                }
                int eq = l.indexOf('=');
                if (eq < 0) {
                    throw new IllegalArgumentException("recipe line without '=': " + l);
                }
                m.put(l.substring(0, eq).strip(), l.substring(eq + 1).strip());
            }
            return new Recipe(need(m, "cipher"), HexFormat.of().parseHex(need(m, "volume-key")),
                    Long.parseLong(need(m, "payload-offset")), Long.parseLong(need(m, "payload-length")),
                    Integer.parseInt(need(m, "sector-size")), need(m, "sha256"));
        }

        private static String need(Map<String, String> m, String key) {
            String v = m.get(key);
            if (v == null) {
                throw new IllegalArgumentException("recipe lacks " + key);
            }
            return v;
        }
    }

    /**
     * Encrypts the payload of {@code disk} (the clear-text disk) in place as the recipe says, then checks the whole
     * file against the recipe's SHA-256.
     */
    public static void encrypt(Path disk, Recipe r) throws IOException {
        if (!r.cipher().equals("aes-xts-plain64")) {
            throw new IOException("unsupported cipher in recipe: " + r.cipher());
        }
        if (r.sectorSize() % 512 != 0 || r.payloadLength() % r.sectorSize() != 0) {
            throw new IOException("recipe: payload not a whole number of sectors");
        }
        try (FileChannel ch = FileChannel.open(disk, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            Xts xts = new Xts(r.volumeKey());
            ByteBuffer buf = ByteBuffer.allocate(r.sectorSize());
            long sectors = r.payloadLength() / r.sectorSize();
            for (long s = 0; s < sectors; s++) {
                long pos = r.payloadOffset() + s * r.sectorSize();
                buf.clear();
                while (buf.hasRemaining()) {
                    if (ch.read(buf, pos + buf.position()) < 0) {
                        throw new IOException(disk + ": ends inside the payload");
                    }
                }
                xts.encrypt(buf.array(), s * (r.sectorSize() / 512));
                buf.flip();
                while (buf.hasRemaining()) {
                    ch.write(buf, pos + buf.position());
                }
            }
            ch.force(false);
        } catch (GeneralSecurityException e) {
            throw new IOException("AES: " + e.getMessage(), e);
        }
        String sum = sha256(disk);
        if (!sum.equals(r.sha256())) {
            throw new IOException(disk + ": rebuilt disk has SHA-256 " + sum + ", the recipe says " + r.sha256());
        }
    }

    private static String sha256(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            while (ch.read(buf) >= 0) {
                buf.flip();
                md.update(buf);
                buf.clear();
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    /** AES-XTS (IEEE 1619) encryption of whole sectors, the tweak being the sector number (plain64). */
    private static final class Xts {
        private final Cipher data;
        private final Cipher tweak;

        Xts(byte[] key) throws GeneralSecurityException {
            int half = key.length / 2;
            data = Cipher.getInstance("AES/ECB/NoPadding");
            data.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, 0, half, "AES"));
            tweak = Cipher.getInstance("AES/ECB/NoPadding");
            tweak.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, half, half, "AES"));
        }

        void encrypt(byte[] sector, long number) throws GeneralSecurityException {
            byte[] iv = new byte[BLOCK];
            for (int i = 0; i < 8; i++) {
                iv[i] = (byte) (number >>> (8 * i));
            }
            byte[] t = tweak.doFinal(iv);
            byte[] masks = new byte[sector.length];
            for (int off = 0; off < sector.length; off += BLOCK) {
                System.arraycopy(t, 0, masks, off, BLOCK);
                // t *= x in GF(2^128), little-endian byte order
                int carry = 0;
                for (int i = 0; i < BLOCK; i++) {
                    int b = t[i] & 0xff;
                    t[i] = (byte) ((b << 1) | carry);
                    carry = b >>> 7;
                }
                if (carry != 0) {
                    t[0] ^= (byte) 0x87;
                }
            }
            for (int i = 0; i < sector.length; i++) {
                sector[i] ^= masks[i];
            }
            data.doFinal(sector, 0, sector.length, sector, 0);
            for (int i = 0; i < sector.length; i++) {
                sector[i] ^= masks[i];
            }
        }
    }

    /** {@code java LuksFixtures.java DISK RECIPE}: encrypts DISK's payload in place and checks its SHA-256. */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: LuksFixtures DISK RECIPE");
            System.exit(2);
        }
        encrypt(Path.of(args[0]), Recipe.parse(Files.readString(Path.of(args[1]), StandardCharsets.UTF_8)));
    }
}
