package dev.platter.core.crypto.luks;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.platter.core.BlockDevice;
import dev.platter.core.StorageDevice;
import dev.platter.core.crypto.Secret;
import dev.platter.core.crypto.WrongPassphraseException;
import dev.platter.core.storage.HostFiles;
import dev.platter.core.storage.Storage;
import dev.platter.testdata.RequiresTool;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * LUKS2 volumes made by cryptsetup (luksFormat, luksAddKey, luksKillSlot, config --priority, and offline
 * {@code reencrypt --encrypt}, which encrypts data in user space without device-mapper), opened by Platter. Two
 * independent oracles for the data: cryptsetup's own encryption of known plaintext, and a small Python script
 * (the {@code cryptography} package) that encrypts known plaintext into a payload with the volume key cryptsetup
 * dumps, as dm-crypt does (IV = the 512-byte sector number from the segment start plus iv_tweak, one IV per
 * cipher sector).
 */
@RequiresTool({"cryptsetup", "python3"})
class Luks2InteropTest {
    private static final String PW = "correct horse";
    private static final String PW2 = "battery staple";
    /** Encrypts a file's bytes into an image's payload: image key-hex offset sector-size iv-tweak mode src pos. */
    private static final String ORACLE = """
            import sys, hashlib
            from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
            img, keyhex, off, ss, tweak, mode, src, pos = sys.argv[1:9]
            key = bytes.fromhex(keyhex)
            off, ss, tweak, pos = int(off), int(ss), int(tweak), int(pos)
            data = open(src, 'rb').read()
            assert pos % ss == 0 and len(data) % ss == 0
            with open(img, 'r+b') as f:
                for i in range(0, len(data), ss):
                    iv = (tweak + (pos + i) // 512).to_bytes(16, 'little')
                    if mode == 'xts-plain64':
                        c = Cipher(algorithms.AES(key), modes.XTS(iv))
                    elif mode == 'cbc-plain64':
                        c = Cipher(algorithms.AES(key), modes.CBC(iv))
                    elif mode.startswith('cbc-essiv:'):
                        salt = hashlib.new(mode.split(':')[1], key).digest()
                        e = Cipher(algorithms.AES(salt), modes.ECB()).encryptor()
                        c = Cipher(algorithms.AES(key), modes.CBC(e.update(iv) + e.finalize()))
                    else:
                        raise SystemExit('mode ' + mode)
                    enc = c.encryptor()
                    f.seek(off + pos + i)
                    f.write(enc.update(data[i:i + ss]) + enc.finalize())
            """;

    @TempDir
    Path dir;
    private Path oracle;
    private Path pwFile;
    private Path pw2File;

    @BeforeEach
    void setUp() throws Exception {
        oracle = dir.resolve("oracle.py");
        Files.writeString(oracle, ORACLE);
        pwFile = dir.resolve("pw");
        Files.writeString(pwFile, PW);
        pw2File = dir.resolve("pw2");
        Files.writeString(pw2File, PW2);
        Process p = new ProcessBuilder("python3", "-c", "import cryptography.hazmat.primitives.ciphers")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            if ("1".equals(System.getenv("PLATTER_REQUIRE_TOOLS"))) {
                fail("python3's cryptography package is missing: " + out);
            }
            assumeTrue(false, "python3's cryptography package is missing (apt install python3-cryptography)");
        }
    }

    /** luksFormat variants: Platter finds the volume key cryptsetup dumps, and reads what the oracle encrypts. */
    @Test
    void formattedVolumesUnlockToTheirVolumeKeyAndDecrypt() throws Exception {
        String[][] variants = {
                {"aes-xts-plain64", "512", "512", "--pbkdf", "pbkdf2", "--hash", "sha256",
                        "--pbkdf-force-iterations", "1000"},
                {"aes-xts-plain64", "256", "4096", "--pbkdf", "argon2id", "--pbkdf-memory", "32768",
                        "--pbkdf-force-iterations", "4"},
                // A memory cost that is no multiple of 4 x lanes: Argon2 rounds it down, as libargon2 does.
                {"aes-cbc-essiv:sha256", "256", "4096", "--pbkdf", "argon2i", "--pbkdf-memory", "10001",
                        "--pbkdf-force-iterations", "5", "--pbkdf-parallel", "2"},
                {"aes-cbc-plain64", "128", "512", "--pbkdf", "pbkdf2", "--hash", "sha512",
                        "--pbkdf-force-iterations", "1000"},
        };
        for (String[] v : variants) {
            Path img = blank("v-" + v[0].replace(':', '_') + "-" + v[1] + "-" + v[2], 20 << 20);
            List<String> cmd = new ArrayList<>(List.of("cryptsetup", "luksFormat", "-q", "--type", "luks2",
                    "--cipher", v[0], "--key-size", v[1], "--sector-size", v[2], "--key-file", pwFile.toString()));
            cmd.addAll(Arrays.asList(v).subList(3, v.length));
            cmd.add(img.toString());
            run(cmd.toArray(String[]::new));
            byte[] key = volumeKey(img, pwFile);
            assertEquals(Integer.parseInt(v[1]) / 8, key.length);
            try (Storage s = HostFiles.open(img, img.toString(), true)) {
                StorageDevice dev = new StorageDevice(s, s.size());
                LuksIo io = LuksIo.of(dev);
                Luks2Header h = Luks2Header.read(io, dev.size());
                Luks2.Unlocked u = Luks2.unlock(h, io, secret(PW));
                assertArrayEquals(key, u.volumeKey(), v[0]);
                assertEquals(0, u.keyslot());
                Luks2Metadata.Segment seg = h.metadata().segment(0);
                assertEquals(Integer.parseInt(v[2]), seg.sectorSize());
                assertTrue(seg.dynamic());
            }
            checkPayload(img, key, v[0].substring(4), Integer.parseInt(v[2]), 0);
        }
    }

    /**
     * cryptsetup encrypts a file of known plaintext in place (offline, in user space) into a LUKS2 volume; Platter
     * reads the plaintext back.
     */
    @Test
    void dataCryptsetupEncryptedReadsBack() throws Exception {
        String[][] variants = {
                {"aes-xts-plain64", "512", "512"},
                {"aes-xts-plain64", "256", "4096"},
                {"aes-cbc-essiv:sha256", "256", "4096"},
        };
        for (String[] v : variants) {
            Path img = dir.resolve("enc-" + v[0].replace(':', '_') + "-" + v[2]);
            byte[] plain = pattern(24 << 20);
            Files.write(img, plain);
            run("cryptsetup", "reencrypt", "-q", "--encrypt", "--type", "luks2", "--reduce-device-size", "16M",
                    "--cipher", v[0], "--key-size", v[1], "--sector-size", v[2], "--pbkdf", "argon2id",
                    "--pbkdf-memory", "16384", "--pbkdf-force-iterations", "4", "--key-file", pwFile.toString(),
                    img.toString());
            // The data device shrinks by the 16 MiB given: the first 8 MiB of plaintext now lie in the segment,
            // which starts at 8 MiB and (dynamic) runs to the end of the file.
            try (Storage s = HostFiles.open(img, img.toString(), true); BlockDevice d = open(s, PW)) {
                assertEquals(16 << 20, d.size(), v[0]);
                assertArrayEquals(Arrays.copyOf(plain, 8 << 20), d.readBytes(0, 8 << 20), v[0] + " " + v[2]);
                assertArrayEquals(Arrays.copyOfRange(plain, 5000, 9000), d.readBytes(5000, 4000));
            }
        }
    }

    /** A second key slot added, the first killed: each passphrase opens exactly where cryptsetup's does. */
    @Test
    void addedAndKilledKeySlots() throws Exception {
        Path img = formatted("slots");
        byte[] key = volumeKey(img, pwFile);
        run("cryptsetup", "luksAddKey", "-q", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000",
                "--key-file", pwFile.toString(), img.toString(), pw2File.toString());
        assertEquals(0, unlock(img, PW).keyslot());
        assertEquals(1, unlock(img, PW2).keyslot());
        assertArrayEquals(key, unlock(img, PW2).volumeKey());

        run("cryptsetup", "luksKillSlot", "-q", "--key-file", pw2File.toString(), img.toString(), "0");
        assertNotEquals(0, exit("cryptsetup", "open", "--test-passphrase", "--key-file", pwFile.toString(),
                img.toString()));
        WrongPassphraseException e = assertThrows(WrongPassphraseException.class, () -> unlock(img, PW));
        assertEquals("No key available with this passphrase.", e.getMessage());
        assertEquals(1, unlock(img, PW2).keyslot());
        assertArrayEquals(key, unlock(img, PW2).volumeKey());
    }

    /** Priorities as cryptsetup has them: "prefer" slots first, "ignore" slots never (unless named). */
    @Test
    void keySlotPriorities() throws Exception {
        Path img = formatted("prio");
        run("cryptsetup", "luksAddKey", "-q", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000",
                "--key-file", pwFile.toString(), img.toString(), pwFile.toString());
        assertEquals(0, unlock(img, PW).keyslot());
        assertTrue(run("cryptsetup", "open", "-v", "--test-passphrase", "--key-file", pwFile.toString(),
                img.toString()).contains("Key slot 0 unlocked"));

        run("cryptsetup", "config", "--priority", "prefer", "--key-slot", "1", img.toString());
        assertTrue(run("cryptsetup", "open", "-v", "--test-passphrase", "--key-file", pwFile.toString(),
                img.toString()).contains("Key slot 1 unlocked"));
        assertEquals(1, unlock(img, PW).keyslot());

        run("cryptsetup", "config", "--priority", "ignore", "--key-slot", "1", img.toString());
        run("cryptsetup", "config", "--priority", "ignore", "--key-slot", "0", img.toString());
        assertNotEquals(0, exit("cryptsetup", "open", "--test-passphrase", "--key-file", pwFile.toString(),
                img.toString()));
        assertThrows(WrongPassphraseException.class, () -> unlock(img, PW));
    }

    /** The primary binary header wiped: cryptsetup and Platter both fall back to the secondary. */
    @Test
    void aWipedPrimaryFallsBackToTheSecondary() throws Exception {
        Path img = formatted("wiped");
        byte[] key = volumeKey(img, pwFile);
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.write(new byte[4096]);
        }
        Path copy = dir.resolve("wiped-copy");
        Files.copy(img, copy);
        assertEquals(0, exit("cryptsetup", "open", "--test-passphrase", "--key-file", pwFile.toString(),
                copy.toString()));
        assertArrayEquals(key, unlock(img, PW).volumeKey());
        try (Storage s = HostFiles.open(img, img.toString(), true)) {
            assertEquals(16384, Luks2Header.read(LuksIo.of(new StorageDevice(s, s.size())), s.size()).offset());
        }
    }

    /**
     * iv_tweak written into both copies of a cryptsetup header (which cryptsetup still accepts): the oracle
     * encrypts with IVs from the tweak, and Platter reads the plaintext.
     */
    @Test
    void ivTweakShiftsTheIvs() throws Exception {
        Path img = formatted("tweak");
        byte[] key = volumeKey(img, pwFile);
        byte[] all = Files.readAllBytes(img);
        for (long at : new long[] {0, 16384}) {
            String json = new String(all, (int) at + 4096, 12288, StandardCharsets.UTF_8).replace("\0", "");
            ObjectNode root = (ObjectNode) TinyLuks2.MAPPER.readTree(json);
            ((ObjectNode) root.get("segments").get("0")).put("iv_tweak", "1000000");
            byte[] text = TinyLuks2.MAPPER.writeValueAsBytes(root);
            Arrays.fill(all, (int) at + 4096, (int) at + 16384, (byte) 0);
            System.arraycopy(text, 0, all, (int) at + 4096, text.length);
            TinyLuks2.fixChecksum(all, at, 16384);
        }
        Files.write(img, all);
        assertTrue(run("cryptsetup", "luksDump", img.toString()).contains("aes-xts-plain64"));
        checkPayload(img, key, "xts-plain64", 4096, 1000000);
    }

    /** What {@link TinyLuks2} builds is a LUKS2 volume cryptsetup opens, with the key the builder chose. */
    @Test
    void tinyLuks2IsWhatCryptsetupReads() throws Exception {
        TinyLuks2 t = new TinyLuks2();
        Path img = dir.resolve("tiny.luks2");
        Files.write(img, t.build());
        Path pw = dir.resolve("tiny-pw");
        Files.writeString(pw, TinyLuks2.PASSPHRASE);
        assertArrayEquals(t.volumeKey, volumeKey(img, pw));
        String dump = run("cryptsetup", "luksDump", img.toString());
        assertTrue(dump.contains("6f1f5c39-2f4e-4c57-9a49-0b1c8e3f2a10"), dump);
    }

    // ---- helpers

    private Path formatted(String name) throws Exception {
        Path img = blank(name, 20 << 20);
        run("cryptsetup", "luksFormat", "-q", "--type", "luks2", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations",
                "1000", "--key-file", pwFile.toString(), img.toString());
        return img;
    }

    /**
     * The oracle encrypts known plaintext at the start and near the end of the payload; Platter must read it. The
     * payload starts at segment 0's offset (read from the header here, checked against luksDump by the caller).
     */
    private void checkPayload(Path img, byte[] key, String mode, int sectorSize, long tweak) throws Exception {
        long offset;
        long size;
        try (Storage s = HostFiles.open(img, img.toString(), true)) {
            Luks2Header h = Luks2Header.read(LuksIo.of(new StorageDevice(s, s.size())), s.size());
            offset = h.metadata().segment(0).offset();
            size = s.size() - offset;
        }
        assertTrue(run("cryptsetup", "luksDump", img.toString()).contains("offset: " + offset + " [bytes]"));
        byte[] head = pattern(65536);
        byte[] tail = Arrays.copyOfRange(pattern(131072), 65536, 131072);
        long tailPos = (size - 65536) / sectorSize * sectorSize;
        Path src = dir.resolve("plain");
        Files.write(src, head);
        run("python3", oracle.toString(), img.toString(), HexFormat.of().formatHex(key), Long.toString(offset),
                Integer.toString(sectorSize), Long.toString(tweak), mode, src.toString(), "0");
        Files.write(src, tail);
        run("python3", oracle.toString(), img.toString(), HexFormat.of().formatHex(key), Long.toString(offset),
                Integer.toString(sectorSize), Long.toString(tweak), mode, src.toString(), Long.toString(tailPos));
        try (Storage s = HostFiles.open(img, img.toString(), true); BlockDevice d = open(s, PW)) {
            assertEquals(size / sectorSize * sectorSize, d.size());
            assertArrayEquals(head, d.readBytes(0, head.length), mode + " " + sectorSize);
            assertArrayEquals(tail, d.readBytes(tailPos, tail.length), mode + " " + sectorSize);
            assertArrayEquals(Arrays.copyOfRange(head, 1000, 3000), d.readBytes(1000, 2000));
        }
    }

    private Luks2.Unlocked unlock(Path img, String pw) throws IOException {
        try (Storage s = HostFiles.open(img, img.toString(), true)) {
            LuksIo io = LuksIo.of(new StorageDevice(s, s.size()));
            return Luks2.unlock(Luks2Header.read(io, s.size()), io, secret(pw));
        }
    }

    private static BlockDevice open(Storage s, String pw) throws IOException {
        return LuksDevice.open(new StorageDevice(s, s.size()), secret(pw), false);
    }

    private static Secret secret(String pw) {
        return Secret.of(pw.getBytes(StandardCharsets.UTF_8));
    }

    private Path blank(String name, long size) throws IOException {
        Path img = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(size);
        }
        return img;
    }

    /** Lines "%015d\n" numbering 16-byte blocks: every block different, easy to read in a failure. */
    static byte[] pattern(int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i += 16) {
            System.arraycopy(String.format("%015d\n", i / 16).getBytes(StandardCharsets.US_ASCII), 0, b, i, 16);
        }
        return b;
    }

    /** The volume key as {@code cryptsetup luksDump --dump-volume-key} prints it ("MK dump:" or "Volume key:"). */
    private static byte[] volumeKey(Path img, Path keyFile) throws Exception {
        String dump = run("cryptsetup", "luksDump", "--dump-volume-key", "-q", "--key-file", keyFile.toString(),
                img.toString());
        StringBuilder hex = new StringBuilder();
        boolean in = false;
        for (String line : dump.split("\n")) {
            if (line.startsWith("MK dump:") || line.startsWith("Volume key:")) {
                in = true;
                hex.append(line.substring(line.indexOf(':') + 1));
            } else if (in && line.startsWith("\t")) {
                hex.append(line);
            } else {
                in = false;
            }
        }
        assertTrue(hex.length() > 0, dump);
        return HexFormat.of().parseHex(hex.toString().replaceAll("\\s", ""));
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        return Luks1InteropTest.run(cmd);
    }

    private static int exit(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }
}
