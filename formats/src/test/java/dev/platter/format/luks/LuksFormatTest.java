package dev.platter.format.luks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.platter.core.crypto.Secret;
import dev.platter.core.crypto.Secrets;
import dev.platter.core.crypto.WrongPassphraseException;
import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageKeys;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.capability.Amendable;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Raw LUKS images (qemu's luks driver): qemu-img, cryptsetup and nbdkit's luks filter against Platter. */
class LuksFormatTest {
    private static final String PW = "pass phrase";
    private static final String PW2 = "second";

    @TempDir
    Path dir;

    private static Tool.Result qemu(String tool, String... args) {
        List<String> cmd = new ArrayList<>(List.of(tool));
        cmd.addAll(List.of(args).subList(0, tool.equals("qemu-img") ? 1 : 0));
        cmd.addAll(List.of("--object", "secret,id=s0,data=" + PW, "--object", "secret,id=s1,data=" + PW2));
        cmd.addAll(List.of(args).subList(tool.equals("qemu-img") ? 1 : 0, args.length));
        for (int attempt = 0; ; attempt++) {
            Tool.Result r = Tool.run(cmd.toArray(new String[0]));
            if (r.exitCode() == 0 || attempt == 4 || !r.stderr().contains("Unable to get accurate CPU usage")) {
                return r;
            }
        }
    }

    private static String opts(Path img, String secret) {
        return "driver=luks,file.filename=" + img + ",key-secret=" + secret;
    }

    private byte[] qemuContent(Path img) throws IOException {
        Path raw = dir.resolve("c" + System.nanoTime() + ".raw");
        qemu("qemu-img", "convert", "--image-opts", opts(img, "s0"), "-O", "raw", raw.toString()).ok();
        byte[] b = Files.readAllBytes(raw);
        Files.delete(raw);
        return b;
    }

    private static Image open(Path img, boolean readOnly, String pw) throws IOException {
        OpenOptions o = (readOnly ? OpenOptions.readOnlyDefaults() : OpenOptions.readWriteDefaults())
                .withKeys(ImageKeys.everyLayer(Secret.of(pw.getBytes(StandardCharsets.UTF_8))));
        return Images.open(img, o);
    }

    private Path platterCreate(String name, long size, String extra) throws IOException {
        Path img = dir.resolve(name);
        Secrets secrets = Secrets.none().add("s0", Secret.of(PW.getBytes(StandardCharsets.UTF_8)));
        Images.format("luks").create(img, size, CreateOptions.of(CreateOptions.parseList(
                "key-secret=s0,iter-time=10" + extra)).withSecrets(secrets));
        return img;
    }

    @Test
    @RequiresTool({"qemu-img", "qemu-io"})
    void whatQemuWritesPlatterReads() throws IOException {
        Path img = dir.resolve("q.luks");
        qemu("qemu-img", "create", "-q", "-f", "luks", "-o", "key-secret=s0,iter-time=10,cipher-alg=aes-128,"
                + "cipher-mode=cbc,ivgen-alg=essiv,ivgen-hash-alg=sha256", img.toString(), "3M").ok();
        qemu("qemu-io", "--image-opts", opts(img, "s0"), "-c", "write -P 0x3c 100k 900k").ok();
        try (Image i = open(img, true, PW)) {
            assertEquals("luks", i.formatName());
            byte[] all = new byte[(int) i.size()];
            i.read(0, ByteBuffer.wrap(all));
            assertArrayEquals(qemuContent(img), all);
        }
    }

    @Test
    @RequiresTool({"qemu-img", "qemu-io", "cryptsetup"})
    void whatPlatterWritesQemuAndCryptsetupRead() throws IOException {
        Path img = platterCreate("p.luks", 2 << 20, "");
        byte[] pattern = new byte[300_001];
        Arrays.fill(pattern, (byte) 0x7e);
        try (Image i = open(img, false, PW)) {
            i.write(12_345, ByteBuffer.wrap(pattern));
        }
        String io = qemu("qemu-io", "--image-opts", opts(img, "s0"), "-c", "read -P 0x7e 12345 300001").ok()
                .stdout();
        assertTrue(io.contains("read 300001/300001 bytes"), io);
        String dump = Tool.run("cryptsetup", "luksDump", img.toString()).ok().stdout();
        assertTrue(dump.contains("Version:       \t1") || dump.contains("Version:"), dump);
        assertTrue(dump.contains("xts-plain64"), dump);
        Path key = dir.resolve("key");
        Files.writeString(key, PW);
        Tool.run("cryptsetup", "open", "--test-passphrase", "--key-file", key.toString(), img.toString()).ok();
    }

    @Test
    @RequiresTool({"nbdkit", "nbdcopy", "qemu-img"})
    void nbdkitsLuksFilterReadsWhatPlatterWrites() throws IOException {
        Path img = platterCreate("n.luks", 1 << 20, "");
        byte[] expected = new byte[1 << 20];
        try (Image i = open(img, false, PW)) {
            for (int k = 0; k < expected.length; k++) {
                expected[k] = (byte) (k * 31 + (k >> 9));
            }
            i.write(0, ByteBuffer.wrap(expected));
        }
        Path out = dir.resolve("out.raw");
        Tool.run("nbdkit", "-U", "-", "file", img.toString(), "--filter=luks", "passphrase=" + PW, "--run",
                "nbdcopy \"$uri\" " + out).ok();
        assertArrayEquals(expected, Files.readAllBytes(out));
    }

    @Test
    @RequiresTool("qemu-img")
    void infoWithoutTheKeyIsQemus() throws IOException {
        Path img = platterCreate("i.luks", 1 << 20, ",cipher-alg=aes-256,hash-alg=sha512");
        ObjectMapper json = new ObjectMapper();
        JsonNode qemu = json.readTree(Tool.run("qemu-img", "info", "--output=json", img.toString()).ok().stdout());
        assertEquals("luks", qemu.get("format").asText());
        try (Image i = Images.open(img, OpenOptions.readOnlyDefaults().withKeys(ImageKeys.none()
                .forMetadataOnly()))) {
            JsonNode ours = json.readTree(json.writeValueAsString(i.info().formatSpecific()));
            assertEquals(qemu.at("/format-specific/data"), ours);
            assertEquals(qemu.get("virtual-size").asLong(), i.size());
        }
        IOException e = assertThrows(IOException.class, () -> Images.open(img, OpenOptions.readOnlyDefaults()));
        assertTrue(e.getMessage().endsWith("Parameter 'key-secret' is required for cipher"), e.getMessage());
        assertThrows(WrongPassphraseException.class, () -> open(img, true, "nope"));
    }

    @Test
    @RequiresTool("cryptsetup")
    void amendAddsASlotCryptsetupOpens() throws IOException {
        Path img = platterCreate("a.luks", 1 << 20, "");
        try (Image i = open(img, false, PW)) {
            Secrets s = Secrets.none().add("s1", Secret.of(PW2.getBytes(StandardCharsets.UTF_8)));
            i.capability(Amendable.class).orElseThrow().amend(Map.of("state", "active", "new-secret", "s1",
                    "iter-time", "10"), s);
        }
        Path key = dir.resolve("key2");
        Files.writeString(key, PW2);
        Tool.run("cryptsetup", "open", "--test-passphrase", "--key-slot", "1", "--key-file", key.toString(),
                img.toString()).ok();
    }
}
