package dev.platter.format.qcow2;

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
import dev.platter.core.image.capability.InternalSnapshots;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** qcow2 with LUKS: qemu-img and Platter read and write each other's images, with snapshots and chains. */
@RequiresTool({"qemu-img", "qemu-io"})
class Qcow2EncryptionTest {
    private static final String PW = "s3cret pass";
    private static final String PW2 = "other pass";
    private static final String[] SECRETS = {"--object", "secret,id=s0,data=" + PW, "--object",
            "secret,id=s1,data=" + PW2};

    @TempDir
    Path dir;

    private static Secret secret(String pw) {
        return Secret.of(pw.getBytes(StandardCharsets.UTF_8));
    }

    private static String opts(Path img, String... keys) {
        StringBuilder b = new StringBuilder("driver=qcow2,file.filename=" + img);
        String prefix = "";
        for (String k : keys) {
            b.append(',').append(prefix).append("encrypt.key-secret=").append(k);
            prefix += "backing.";
        }
        return b.toString();
    }

    private static Tool.Result qemuImg(String... args) {
        String[] cmd = new String[args.length + 1 + SECRETS.length];
        cmd[0] = "qemu-img";
        System.arraycopy(args, 0, cmd, 1, 1);
        System.arraycopy(SECRETS, 0, cmd, 2, SECRETS.length);
        System.arraycopy(args, 1, cmd, 2 + SECRETS.length, args.length - 1);
        for (int attempt = 0; ; attempt++) {
            Tool.Result r = Tool.run(cmd);
            if (r.exitCode() == 0 || attempt == 4 || !r.stderr().contains("Unable to get accurate CPU usage")) {
                return r;
            }
        }
    }

    private static void qemuIo(String imageOpts, String... commands) {
        List<String> cmd = new java.util.ArrayList<>(List.of("qemu-io"));
        cmd.addAll(Arrays.asList(SECRETS));
        cmd.addAll(List.of("--image-opts", imageOpts));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        Tool.Result r = Tool.run(cmd.toArray(new String[0])).ok();
        assertFalse((r.stdout() + r.stderr()).contains("Pattern verification failed"), r.stdout());
        assertFalse((r.stdout() + r.stderr()).contains("failed"), r.stdout() + r.stderr());
    }

    private Path qemuCreate(String name, String size, String secret, String extra) {
        Path img = dir.resolve(name);
        qemuImg("create", "-q", "-f", "qcow2", "-o", "encrypt.format=luks,encrypt.key-secret=" + secret
                + ",encrypt.iter-time=10" + extra, img.toString(), size).ok();
        return img;
    }

    private Path platterCreate(String name, long size, String extra) throws IOException {
        Path img = dir.resolve(name);
        Secrets secrets = Secrets.none().add("s0", secret(PW)).add("s1", secret(PW2));
        CreateOptions o = CreateOptions.of(CreateOptions.parseList("encrypt.format=luks,encrypt.key-secret=s0,"
                + "encrypt.iter-time=10" + extra)).withSecrets(secrets);
        Images.format("qcow2").create(img, size, o);
        return img;
    }

    private static Image open(Path img, boolean readOnly, String... passwords) throws IOException {
        List<Secret> keys = Arrays.stream(passwords).map(Qcow2EncryptionTest::secret).toList();
        OpenOptions o = (readOnly ? OpenOptions.readOnlyDefaults() : OpenOptions.readWriteDefaults())
                .withKeys(ImageKeys.byLayer(keys));
        return Images.open(img, o);
    }

    private byte[] qemuContent(String imageOpts) throws IOException {
        Path raw = dir.resolve("content-" + System.nanoTime() + ".raw");
        qemuImg("convert", "--image-opts", imageOpts, "-O", "raw", raw.toString()).ok();
        byte[] b = Files.readAllBytes(raw);
        Files.delete(raw);
        return b;
    }

    @Test
    void whatQemuWritesPlatterReads() throws IOException {
        Path img = qemuCreate("q.qcow2", "8M", "s0", "");
        qemuIo(opts(img, "s0"), "write -P 0xab 1M 64k", "write -P 0x17 3000 5000", "write -z 2M 128k",
                "write -P 0x44 7M 1M");
        byte[] expected = qemuContent(opts(img, "s0"));
        try (Image i = open(img, true, PW)) {
            assertArrayEquals(expected, Qemu.readAll(i, 1 << 20));
        }
    }

    @Test
    void whatPlatterWritesQemuReadsAndChecks() throws IOException {
        Path img = platterCreate("p.qcow2", 8 << 20, "");
        byte[] expected = new byte[8 << 20];
        try (Image i = open(img, false, PW)) {
            write(i, expected, 1 << 20, 65536, 0xab);
            write(i, expected, 3001, 5000, 0x17);
            write(i, expected, (7 << 20) + 100, 1000, 0x44);
            i.writeZeroes(1 << 20, 4096);
            Arrays.fill(expected, 1 << 20, (1 << 20) + 4096, (byte) 0);
        }
        assertEquals(0, qemuImg("check", "--image-opts", opts(img, "s0")).exitCode());
        assertArrayEquals(expected, qemuContent(opts(img, "s0")));
        qemuIo(opts(img, "s0"), "read -P 0x17 3001 5000");
    }

    @Test
    void snapshotsKeepTheirDataWhenClustersMove() throws IOException {
        Path img = platterCreate("s.qcow2", 4 << 20, "");
        byte[] before = new byte[4 << 20];
        try (Image i = open(img, false, PW)) {
            write(i, before, 0, 200_000, 0x31);
            i.capability(InternalSnapshots.class).orElseThrow().createSnapshot("one");
            byte[] after = before.clone();
            write(i, after, 1000, 10, 0x99); // copy-on-write: a shared cluster moves and is re-encrypted
            assertArrayEquals(after, Qemu.readAll(i, 1 << 20));
        }
        assertEquals(0, qemuImg("check", "--image-opts", opts(img, "s0")).exitCode());
        Path raw = dir.resolve("snap.raw");
        qemuImg("convert", "-l", "one", "--image-opts", opts(img, "s0"), "-O", "raw", raw.toString()).ok();
        assertArrayEquals(before, Files.readAllBytes(raw));
        try (Image i = open(img, true, PW); Image snap = i.capability(InternalSnapshots.class).orElseThrow().openSnapshot("one")) {
            assertArrayEquals(before, Qemu.readAll(snap, 1 << 20));
        }
    }

    @Test
    void eachLayerOfAChainHasItsOwnKey() throws IOException {
        Path base = qemuCreate("base.qcow2", "4M", "s0", "");
        qemuIo(opts(base, "s0"), "write -P 0x21 0 4M");
        Path top = dir.resolve("top.qcow2");
        qemuImg("create", "-q", "-f", "qcow2", "-b", base.toString(), "-F", "qcow2", "-o",
                "encrypt.format=luks,encrypt.key-secret=s1,encrypt.iter-time=10", top.toString(), "4M").ok();
        byte[] expected = qemuContent(opts(base, "s0"));
        try (Image i = open(top, false, PW2, PW)) {
            write(i, expected, 70_000, 100, 0x55); // a partial cluster: the rest is copied from the backing file
        }
        assertArrayEquals(expected, qemuContent(opts(top, "s1", "s0")));
        IOException e = assertThrows(IOException.class, () -> open(top, true, PW2, PW2).close());
        assertEquals("Could not open backing file: Could not open '" + base + "': Invalid password, cannot unlock "
                + "any keyslot", e.getMessage());
    }

    @Test
    void infoWithoutTheKeyIsQemus() throws IOException {
        Path img = qemuCreate("i.qcow2", "1M", "s0", "");
        qemuIo(opts(img, "s0"), "write -P 0x01 0 4k");
        JsonNode qemu = new ObjectMapper().readTree(Qemu.img("info", "--output=json", img.toString()).ok()
                .stdout());
        OpenOptions o = OpenOptions.readOnlyDefaults().withKeys(ImageKeys.none().forMetadataOnly());
        try (Image i = Images.open(img, o)) {
            assertTrue(i.info().encrypted());
            ObjectMapper json = new ObjectMapper();
            JsonNode ours = json.readTree(json.writeValueAsString(i.info().formatSpecific()));
            assertEquals(qemu.at("/format-specific/data/encrypt"), ours.get("encrypt"));
            IOException e = assertThrows(IOException.class, () -> i.read(0, ByteBuffer.allocate(512)));
            assertEquals(Qcow2Encryption.KEY_REQUIRED, e.getMessage());
        }
        IOException e = assertThrows(IOException.class, () -> Images.open(img, OpenOptions.readOnlyDefaults()));
        assertTrue(e.getMessage().endsWith(Qcow2Encryption.KEY_REQUIRED), e.getMessage());
        WrongPassphraseException w = assertThrows(WrongPassphraseException.class, () -> open(img, true, "wrong"));
        assertEquals("Could not open '" + img + "': Invalid password, cannot unlock any keyslot", w.getMessage());
    }

    @Test
    void amendAddsAndErasesKeySlotsAsQemuDoes() throws IOException {
        Path img = platterCreate("a.qcow2", 1 << 20, "");
        try (Image i = open(img, false, PW)) {
            Secrets secrets = Secrets.none().add("s1", secret(PW2)).add("s0", secret(PW));
            i.capability(Amendable.class).orElseThrow().amend(Map.of("encrypt.state", "active", "encrypt.new-secret", "s1",
                    "encrypt.iter-time", "10"), secrets);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> i.capability(
                    Amendable.class).orElseThrow().amend(Map.of("encrypt.state", "inactive", "encrypt.keyslot", "3"), secrets));
            assertEquals("Given keyslot 3 is already erased (inactive) ", e.getMessage());
        }
        qemuIo(opts(img, "s1"), "write -P 0x66 0 4k");
        try (Image i = open(img, false, PW2)) {
            Secrets secrets = Secrets.none().add("s0", secret(PW));
            i.capability(Amendable.class).orElseThrow().amend(Map.of("encrypt.state", "inactive", "encrypt.old-secret", "s0"),
                    secrets);
        }
        assertTrue(qemuImg("check", "--image-opts", opts(img, "s0")).exitCode() != 0);
        assertEquals(0, qemuImg("check", "--image-opts", opts(img, "s1")).exitCode());
        JsonNode slots = new ObjectMapper().readTree(Qemu.img("info", "--output=json", img.toString()).ok()
                .stdout()).at("/format-specific/data/encrypt/slots");
        assertFalse(slots.get(0).get("active").asBoolean());
        assertTrue(slots.get(1).get("active").asBoolean());
    }

    private static void write(Image i, byte[] model, int at, int len, int value) throws IOException {
        byte[] b = new byte[len];
        Arrays.fill(b, (byte) value);
        i.write(at, ByteBuffer.wrap(b));
        System.arraycopy(b, 0, model, at, len);
    }
}
