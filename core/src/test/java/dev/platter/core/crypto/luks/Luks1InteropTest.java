package dev.platter.core.crypto.luks;

import dev.platter.core.BlockDevice;
import dev.platter.core.StorageDevice;
import dev.platter.core.crypto.Secret;
import dev.platter.core.crypto.WrongPassphraseException;
import dev.platter.core.storage.Storage;
import dev.platter.core.storage.HostFiles;
import dev.platter.testdata.RequiresTool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LUKS1 volumes made by qemu-img and cryptsetup, opened by Platter; volumes Platter writes, read by qemu. */
class Luks1InteropTest {
    private static final String PW = "correct horse";

    @TempDir
    Path dir;

    @Test
    @RequiresTool({"qemu-img", "qemu-io"})
    void aQemuLuksVolumeReadsAsQemuReadsIt() throws Exception {
        Path img = dir.resolve("x.luks");
        run("qemu-img", "create", "-q", "--object", "secret,id=s0,data=" + PW, "-f", "luks", "-o",
                "key-secret=s0,iter-time=10", img.toString(), "4M");
        run("qemu-io", "--object", "secret,id=s0,data=" + PW, "--image-opts",
                "driver=luks,file.filename=" + img + ",key-secret=s0", "-c", "write -P 0xab 1M 64k",
                "-c", "write -P 0x11 3000 1000");
        Path plain = dir.resolve("plain.raw");
        run("qemu-img", "convert", "--object", "secret,id=s0,data=" + PW, "--image-opts",
                "driver=luks,file.filename=" + img + ",key-secret=s0", "-O", "raw", plain.toString());
        try (Storage s = HostFiles.open(img, img.toString(), true); BlockDevice d = open(s, PW, false)) {
            assertEquals(4 << 20, d.size());
            byte[] all = d.readBytes(0, (int) d.size());
            assertArrayEquals(Files.readAllBytes(plain), all);
            byte[] some = d.readBytes(1 << 20, 65536);
            for (byte b : some) {
                assertEquals((byte) 0xab, b);
            }
        }
    }

    @Test
    @RequiresTool({"qemu-img", "qemu-io"})
    void whatPlatterWritesQemuReads() throws Exception {
        Path img = dir.resolve("x.luks");
        run("qemu-img", "create", "-q", "--object", "secret,id=s0,data=" + PW, "-f", "luks", "-o",
                "key-secret=s0,iter-time=10", img.toString(), "2M");
        try (Storage s = HostFiles.open(img, img.toString(), false); BlockDevice d = open(s, PW, true)) {
            byte[] p = new byte[70000];
            Arrays.fill(p, (byte) 0x5a);
            d.write(777, ByteBuffer.wrap(p));
            d.flush();
        }
        String out = run("qemu-io", "--object", "secret,id=s0,data=" + PW, "--image-opts",
                "driver=luks,file.filename=" + img + ",key-secret=s0", "-c", "read -P 0x5a 777 70000");
        assertTrue(out.contains("read 70000/70000 bytes"), out);
    }

    @Test
    @RequiresTool({"qemu-img"})
    void aWrongPassphraseIsRefused() throws Exception {
        Path img = dir.resolve("x.luks");
        run("qemu-img", "create", "-q", "--object", "secret,id=s0,data=" + PW, "-f", "luks", "-o",
                "key-secret=s0,iter-time=10", img.toString(), "1M");
        try (Storage s = HostFiles.open(img, img.toString(), true)) {
            WrongPassphraseException e = assertThrows(WrongPassphraseException.class, () -> open(s, "nope", false));
            assertEquals("Invalid password, cannot unlock any keyslot", e.getMessage());
        }
    }

    /** cryptsetup's LUKS1 in several ciphers: Platter finds the master key cryptsetup dumps. */
    @Test
    @RequiresTool("cryptsetup")
    void cryptsetupVolumesUnlockToTheirMasterKey() throws Exception {
        String[][] ciphers = {{"aes-xts-plain64", "512", "sha256"}, {"aes-cbc-essiv:sha256", "256", "sha1"},
                {"aes-cbc-plain", "128", "sha512"}, {"aes-xts-plain", "256", "sha256"}};
        for (String[] c : ciphers) {
            Path img = dir.resolve("v-" + c[0].replace(':', '_'));
            try (var f = new java.io.RandomAccessFile(img.toFile(), "rw")) {
                f.setLength(8 << 20);
            }
            Path key = dir.resolve("key");
            Files.writeString(key, PW);
            run("cryptsetup", "luksFormat", "-q", "--type", "luks1", "--cipher", c[0], "--key-size", c[1],
                    "--hash", c[2], "--iter-time", "10", "--key-file", key.toString(), img.toString());
            String dump = run("cryptsetup", "luksDump", "--dump-master-key", "-q", "--key-file", key.toString(),
                    img.toString());
            byte[] expected = masterKey(dump);
            try (Storage s = HostFiles.open(img, img.toString(), true)) {
                LuksIo io = LuksIo.of(new StorageDevice(s, s.size()));
                Luks1Header h = Luks1.read(io, 0);
                Luks1.Unlocked u = Luks1.unlock(h, io, Secret.of(PW.getBytes(StandardCharsets.UTF_8)), 0);
                assertArrayEquals(expected, u.masterKey(), c[0]);
                assertEquals(0, u.slot());
            }
        }
    }

    private static byte[] masterKey(String dump) {
        StringBuilder hex = new StringBuilder();
        boolean in = false;
        for (String line : dump.split("\n")) {
            if (line.startsWith("MK dump:")) {
                in = true;
                hex.append(line.substring("MK dump:".length()));
            } else if (in && line.startsWith("\t")) {
                hex.append(line);
            } else {
                in = false;
            }
        }
        return HexFormat.of().parseHex(hex.toString().replaceAll("\\s", ""));
    }

    private static BlockDevice open(Storage s, String pw, boolean writable) throws IOException {
        return LuksDevice.open(new StorageDevice(s, s.size()), Secret.of(pw.getBytes(StandardCharsets.UTF_8)), writable);
    }

    /**
     * Runs a tool; qemu's PBKDF2 benchmark sometimes fails on a busy machine ("Unable to get accurate CPU usage")
     * and is retried.
     */
    static String run(String... cmd) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of(cmd));
        String out = "";
        int rc = 0;
        for (int attempt = 0; attempt < 5; attempt++) {
            Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            rc = p.waitFor();
            if (rc == 0 || !out.contains("Unable to get accurate CPU usage")) {
                break;
            }
        }
        if (rc != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (" + rc + "): " + out);
        }
        return out;
    }
}
