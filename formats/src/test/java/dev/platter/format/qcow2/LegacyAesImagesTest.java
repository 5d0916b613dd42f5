package dev.platter.format.qcow2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.crypto.Secret;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageKeys;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.capability.InternalSnapshots;
import dev.platter.operation.ImageMap;
import dev.platter.operation.MapEntry;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Legacy AES (crypt_method 1) qcow2 and qcow (version 1) images, made and written by qemu-img 7.2 and qemu-io: what
 * Platter reads with the key is what {@code qemu-img convert -O raw} writes, byte for byte (data, partial and
 * unaligned writes, zero and compressed clusters, extended L2, v2, small and large clusters, chains with encrypted and
 * plain layers, an external data file, an internal snapshot); a wrong key reads the same noise as in qemu (the format has no key check); without a key only
 * metadata opens; read-write opens are refused and leave the file untouched. The map is qemu's: no host offsets.
 */
@RequiresTool({"qemu-img", "qemu-io"})
class LegacyAesImagesTest {
    private static final String PW = "PW";
    private static final String PW2 = "other pass";
    private static final String WRONG = "WRONG";
    private static final String LONG = "0123456789abcdefXYZ";
    private static final String[] SECRETS = {"--object", "secret,id=s0,data=" + PW, "--object",
            "secret,id=s1,data=" + PW2, "--object", "secret,id=bad,data=" + WRONG, "--object",
            "secret,id=long,data=" + LONG};

    @TempDir
    Path dir;

    private static Tool.Result qemuImg(String command, String... args) {
        List<String> cmd = new ArrayList<>(List.of("qemu-img", command));
        cmd.addAll(Arrays.asList(SECRETS));
        cmd.addAll(Arrays.asList(args));
        return Tool.run(cmd.toArray(new String[0]));
    }

    private static void qemuIo(String imageOpts, String... commands) {
        List<String> cmd = new ArrayList<>(List.of("qemu-io"));
        cmd.addAll(Arrays.asList(SECRETS));
        cmd.addAll(List.of("--image-opts", imageOpts));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        Tool.Result r = Tool.run(cmd.toArray(new String[0])).ok();
        String all = r.stdout() + r.stderr();
        assertFalse(all.contains("failed") || all.contains("error") || all.contains("Invalid"), all);
    }

    /** qemu's --image-opts for an image and the key secrets of its layers, top first (null: no key). */
    private static String opts(String format, Path img, String... keys) {
        StringBuilder b = new StringBuilder("driver=" + format + ",file.filename=" + img);
        String prefix = "";
        for (String k : keys) {
            if (k != null) {
                b.append(',').append(prefix).append("encrypt.key-secret=").append(k);
            }
            prefix += "backing.";
        }
        return b.toString();
    }

    /** An AES image made by qemu-img, keyed with the secret {@code key}, with {@code more} create arguments. */
    private Path create(String format, String name, String key, String extra, String size, String... more) {
        Path img = dir.resolve(name);
        String o = (format.equals("qcow2") ? "encrypt.format=aes" : "encryption=on") + ",encrypt.key-secret=" + key
                + extra;
        List<String> args = new ArrayList<>(List.of("-q", "-f", format, "-o", o));
        args.addAll(Arrays.asList(more));
        args.addAll(List.of(img.toString(), size));
        qemuImg("create", args.toArray(new String[0])).ok();
        return img;
    }

    private byte[] qemuContent(String imageOpts) throws IOException {
        Path raw = dir.resolve("content-" + System.nanoTime() + ".raw");
        qemuImg("convert", "--image-opts", imageOpts, "-O", "raw", raw.toString()).ok();
        byte[] b = Files.readAllBytes(raw);
        Files.delete(raw);
        return b;
    }

    private static Secret secret(String pw) {
        return pw == null ? null : Secret.of(pw.getBytes(StandardCharsets.UTF_8));
    }

    private static Image open(Path img, String... passwords) throws IOException {
        List<Secret> keys = new ArrayList<>();
        for (String p : passwords) {
            keys.add(secret(p));
        }
        return Images.open(img, OpenOptions.readOnlyDefaults().withKeys(ImageKeys.byLayer(keys)));
    }

    /** Clusters of the images qemu-img makes without a backing file: 64 KiB for qcow2, 4 KiB for qcow. */
    private static int cluster(String format) {
        return format.equals("qcow2") ? 65536 : 4096;
    }

    /** Data, a partial cluster, an unaligned write, a compressed cluster, zeros and a long run, by qemu-io. */
    private Path written(String format, String name, String key) {
        Path img = create(format, name, key, "", "4M");
        int c = cluster(format);
        qemuIo(opts(format, img, key), "write -P 0x5a 64k 64k", "write -P 0x11 300k 3k", "write -P 0x17 3000 5000",
                "write -c -P 0x33 1M " + c, "write -P 0x66 2M 128k", "write -z 2M 64k", "write -P 0x44 3M 1M");
        return img;
    }

    private static byte[] readAll(Image image, int chunk) throws IOException {
        return Qemu.readAll(image, chunk);
    }

    @ParameterizedTest
    @ValueSource(strings = {"qcow2", "qcow"})
    void whatQemuWritesPlatterReadsAndMapsAsQemuDoes(String format) throws IOException {
        Path img = written(format, "w." + format, "s0");
        byte[] expected = qemuContent(opts(format, img, "s0"));
        try (Image i = open(img, PW)) {
            assertArrayEquals(expected, readAll(i, 1 << 20));
            assertArrayEquals(expected, readAll(i, 4097)); // pieces of sectors at both ends
            assertArrayEquals(expected, readAll(i, 1000));
            assertEquals(qemuMap(opts(format, img, "s0")), platterMap(i));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {",extended_l2=on", ",compat=0.10", ",cluster_size=512", ",cluster_size=2M"})
    void everyQcow2LayoutReadsAsInQemu(String layout) throws IOException {
        Path img = create("qcow2", "layout.qcow2", "s0", layout, "4M");
        qemuIo(opts("qcow2", img, "s0"), "write -P 0x5a 1000 70000", "write -P 0x12 136k 2k", "write -z 2M 64k",
                "write -P 0x13 2M 4k", "write -P 0x44 3M 1M", "write -z 3M 8k");
        byte[] expected = qemuContent(opts("qcow2", img, "s0"));
        try (Image i = open(img, PW)) {
            assertArrayEquals(expected, readAll(i, 4097));
            assertEquals(qemuMap(opts("qcow2", img, "s0")), platterMap(i));
        }
    }

    /** qemu-img map's JSON rows as "start length depth present zero data [offset]" lines. */
    private static List<String> qemuMap(String imageOpts) throws IOException {
        JsonNode rows = new ObjectMapper().readTree(qemuImg("map", "--output=json", "--image-opts", imageOpts).ok()
                .stdout());
        List<String> out = new ArrayList<>();
        for (JsonNode r : rows) {
            out.add(r.get("start") + " " + r.get("length") + " " + r.get("depth") + " " + r.get("present") + " "
                    + r.get("zero") + " " + r.get("data") + (r.has("offset") ? " " + r.get("offset") : ""));
        }
        return out;
    }

    private static List<String> platterMap(Image i) throws IOException {
        List<String> out = new ArrayList<>();
        for (MapEntry e : ImageMap.entries(i, 0, i.size(), false)) {
            out.add(e.start() + " " + e.length() + " " + e.depth() + " " + e.present() + " " + e.zero() + " "
                    + e.data() + (e.hasOffset() ? " " + e.offset() : ""));
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"qcow2", "qcow"})
    void aWrongKeyReadsTheSameNoiseAsInQemu(String format) throws IOException {
        Path img = written(format, "k." + format, "s0");
        byte[] truth = qemuContent(opts(format, img, "s0"));
        byte[] noise = qemuContent(opts(format, img, "bad"));
        assertFalse(Arrays.equals(truth, noise));
        try (Image i = open(img, WRONG)) {
            byte[] ours = readAll(i, 1 << 20);
            assertArrayEquals(noise, ours);
            int c = cluster(format); // the compressed cluster is stored in the clear: any key reads it
            assertArrayEquals(Arrays.copyOfRange(truth, 1 << 20, (1 << 20) + c),
                    Arrays.copyOfRange(ours, 1 << 20, (1 << 20) + c));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qcow2", "qcow"})
    void theKeyIsThePassphrasesFirstSixteenBytes(String format) throws IOException {
        Path img = create(format, "l." + format, "long", "", "1M");
        qemuIo(opts(format, img, "long"), "write -P 0x71 0 64k");
        byte[] expected = qemuContent(opts(format, img, "long"));
        for (String pw : new String[] {LONG, LONG.substring(0, 16)}) {
            try (Image i = open(img, pw)) {
                assertArrayEquals(expected, readAll(i, 1 << 20), pw);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qcow2", "qcow"})
    void chainsOfEncryptedAndPlainLayers(String format) throws IOException {
        // an AES overlay over a plain base
        Path base = dir.resolve("base.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", base.toString(), "4M").ok();
        Qemu.io(base, "qcow2", "write -P 0x21 0 4M");
        Path top = create(format, "top." + format, "s0", "", "4M", "-u", "-b", base.toString(), "-F", "qcow2");
        qemuIo(opts(format, top, "s0"), "write -P 0x55 70000 100", "write -P 0x56 1M 64k");
        byte[] expected = qemuContent(opts(format, top, "s0"));
        try (Image i = open(top, PW)) {
            assertArrayEquals(expected, readAll(i, 1 << 20));
            assertEquals(qemuMap(opts(format, top, "s0")), platterMap(i));
        }
        // a plain overlay over an AES base, and an AES overlay (another key) over it
        Path aesBase = written(format, "aesbase." + format, "s0");
        Path plain = dir.resolve("plain.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-u", "-b", aesBase.toString(), "-F", format, plain.toString(), "4M")
                .ok();
        qemuIo(opts("qcow2", plain, null, "s0"), "write -P 0x77 8k 1k");
        expected = qemuContent(opts("qcow2", plain, null, "s0"));
        try (Image i = open(plain, null, PW)) {
            assertArrayEquals(expected, readAll(i, 1 << 20));
            assertEquals(qemuMap(opts("qcow2", plain, null, "s0")), platterMap(i));
        }
        IOException e = assertThrows(IOException.class, () -> open(plain).close());
        assertEquals("Could not open backing file: Could not open '" + aesBase + "': Parameter 'encrypt.key-secret' "
                + "is required for cipher", e.getMessage());
        Path aesTop = create("qcow2", "aestop.qcow2", "s1", "", "4M", "-u", "-b", aesBase.toString(), "-F", format);
        qemuIo(opts("qcow2", aesTop, "s1", "s0"), "write -P 0x78 2M 4k");
        expected = qemuContent(opts("qcow2", aesTop, "s1", "s0"));
        try (Image i = open(aesTop, PW2, PW)) {
            assertArrayEquals(expected, readAll(i, 1 << 20));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qcow2", "qcow"})
    void withoutTheKeyOnlyMetadataOpens(String format) throws IOException {
        Path img = written(format, "n." + format, "s0");
        JsonNode qemu = new ObjectMapper().readTree(Qemu.img("info", "--output=json", img.toString()).ok().stdout());
        assertTrue(qemu.get("encrypted").asBoolean());
        OpenOptions metadata = OpenOptions.readOnlyDefaults().withKeys(ImageKeys.none().forMetadataOnly());
        try (Image i = Images.open(img, metadata)) {
            assertTrue(i.info().encrypted());
            if (format.equals("qcow2")) {
                ObjectMapper json = new ObjectMapper();
                JsonNode ours = json.readTree(json.writeValueAsString(i.info().formatSpecific()));
                assertEquals(qemu.at("/format-specific/data/encrypt"), ours.get("encrypt"));
            } else {
                assertNull(i.info().formatSpecificType());
            }
            IOException e = assertThrows(IOException.class, () -> i.read(64 << 10, ByteBuffer.allocate(512)));
            assertEquals(Qcow2Encryption.KEY_REQUIRED, e.getMessage());
        }
        String qemuSays = Qemu.img("convert", "-O", "raw", img.toString(), dir.resolve("x.raw").toString()).stderr();
        IOException e = assertThrows(IOException.class, () -> Images.open(img, OpenOptions.readOnlyDefaults()));
        assertEquals("qemu-img: " + e.getMessage() + "\n", qemuSays);
    }

    @ParameterizedTest
    @ValueSource(strings = {"qcow2", "qcow"})
    void readWriteOpensAreRefusedAndTheFileIsLeftAlone(String format) throws Exception {
        Path img = written(format, "rw." + format, "s0");
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(img, old);
        byte[] before = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(img));
        String expected = "Use of AES-CBC encrypted " + format + " images is no longer supported for writing, only "
                + "for reading. You can use 'qemu-img convert' to convert your image to an alternative supported "
                + "format, such as unencrypted " + format + ", or raw with the LUKS format instead.";
        for (ImageKeys keys : new ImageKeys[] {ImageKeys.byLayer(List.of(secret(PW))), ImageKeys.none()}) {
            UnsupportedFeatureException e = assertThrows(UnsupportedFeatureException.class, () -> Images.open(img,
                    OpenOptions.readWriteDefaults().withKeys(keys)).close());
            assertEquals(expected, e.getMessage());
        }
        assertArrayEquals(before, MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(img)));
        assertEquals(old, Files.getLastModifiedTime(img));
    }

    @Test
    void anExternalDataFileHoldsTheCiphertext() throws IOException {
        Path img = create("qcow2", "d.qcow2", "s0", ",data_file=" + dir.resolve("d.data"), "4M");
        qemuIo(opts("qcow2", img, "s0"), "write -P 0x5a 64k 64k", "write -P 0x17 3000 5000", "write -z 2M 64k");
        byte[] expected = qemuContent(opts("qcow2", img, "s0"));
        try (Image i = open(img, PW)) {
            assertArrayEquals(expected, readAll(i, 4097));
            assertEquals(qemuMap(opts("qcow2", img, "s0")), platterMap(i));
        }
    }

    @Test
    void anInternalSnapshotReadsAsQemuReadsIt() throws IOException {
        Path img = written("qcow2", "s.qcow2", "s0");
        qemuImg("snapshot", "-c", "one", "--image-opts", opts("qcow2", img, "s0")).ok();
        qemuIo(opts("qcow2", img, "s0"), "write -P 0x99 0 256k");
        Path raw = dir.resolve("snap.raw");
        qemuImg("convert", "-l", "one", "--image-opts", opts("qcow2", img, "s0"), "-O", "raw", raw.toString()).ok();
        byte[] expected = qemuContent(opts("qcow2", img, "s0"));
        try (Image i = open(img, PW);
             Image snap = i.capability(InternalSnapshots.class).orElseThrow().openSnapshot("one")) {
            assertArrayEquals(expected, readAll(i, 1 << 20));
            assertArrayEquals(Files.readAllBytes(raw), readAll(snap, 1 << 20));
        }
    }
}
