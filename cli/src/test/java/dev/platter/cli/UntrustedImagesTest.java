package dev.platter.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --untrusted} on every command that opens images, and {@code check --safety}: each kind of reference an
 * image can hold (made by qemu-img) is refused by the one and reported by the other; symbolic links and formats
 * that disagree with the file name likewise; a plain image passes both.
 */
@RequiresTool({"qemu-img", "qemu-io"})
class UntrustedImagesTest {
    private static final String DENIED = "untrusted images may not refer to other files";

    @TempDir
    Path dir;

    private Path in;
    private Path base;
    private Path safe;

    @BeforeEach
    void images() throws IOException {
        in = Files.createDirectories(dir.resolve("in"));
        base = in.resolve("base.raw");
        qemuImg("create", "-q", "-f", "raw", base.toString(), "1M");
        safe = in.resolve("safe.qcow2");
        qemuImg("create", "-q", "-f", "qcow2", safe.toString(), "1M");
    }

    private static void qemuImg(String... args) {
        List<String> cmd = new ArrayList<>(List.of("qemu-img"));
        cmd.addAll(List.of(args));
        Tool.run(cmd.toArray(new String[0])).ok();
    }

    /** An image holding one kind of reference, and the name it stores. */
    private record Referring(Path image, String kind, String stored, boolean followedByDefault) {
    }

    private Referring referring(String which) throws IOException {
        switch (which) {
            case "absolute" -> {
                Path img = in.resolve("abs.qcow2");
                qemuImg("create", "-q", "-f", "qcow2", "-b", base.toString(), "-F", "raw", img.toString());
                return new Referring(img, "backing-file", base.toString(), true);
            }
            case "relative-up" -> {
                Path img = Files.createDirectories(in.resolve("sub")).resolve("up.qcow2");
                qemuImg("create", "-q", "-f", "qcow2", "-b", "../base.raw", "-F", "raw", img.toString());
                return new Referring(img, "backing-file", "../base.raw", true);
            }
            case "file-prefix" -> {
                Path img = in.resolve("file.qcow2");
                qemuImg("create", "-q", "-f", "qcow2", "-u", "-b", "file:" + base, "-F", "raw", img.toString(), "1M");
                return new Referring(img, "backing-file", "file:" + base, true);
            }
            case "nbd" -> {
                return protocol("nbd:localhost:10809");
            }
            case "http" -> {
                return protocol("http://example.com/disk.raw");
            }
            case "json" -> {
                return protocol("json:{\"file.filename\":\"" + base + "\"}");
            }
            case "data-file" -> {
                Path img = in.resolve("df.qcow2");
                // qemu-img creates a relative data file in its working directory: run it in the image's folder.
                Tool.run(in, "qemu-img", "create", "-q", "-f", "qcow2", "-o", "data_file=df.data", "df.qcow2", "1M")
                        .ok();
                Tool.run(in, "qemu-io", "-f", "qcow2", "-c", "write -P 5 0 64k", "df.qcow2").ok();
                return new Referring(img, "data-file", "df.data", true);
            }
            default -> throw new IllegalArgumentException(which);
        }
    }

    private Referring protocol(String name) {
        Path img = in.resolve("protocol.qcow2");
        qemuImg("create", "-q", "-f", "qcow2", "-u", "-b", name, "-F", "raw", img.toString(), "1M");
        return new Referring(img, "backing-file", name, false);
    }

    /** Every command that opens an image, reading {@code image} (compare's exit status for that is 2). */
    private List<String[]> commands(String image) {
        String out = dir.resolve("out.raw").toString();
        return List.of(
                new String[] {"info", image},
                new String[] {"info", "--backing-chain", image},
                new String[] {"map", image},
                new String[] {"check", image},
                new String[] {"convert", "-O", "raw", image, out},
                new String[] {"compare", image, safe.toString()},
                new String[] {"measure", "-O", "qcow2", image},
                new String[] {"dd", "if=" + image, "of=" + out},
                new String[] {"snapshot", "-l", image},
                new String[] {"resize", image, "2M"},
                new String[] {"amend", "-o", "lazy_refcounts=on", image},
                new String[] {"rebase", "-u", "-b", "", image},
                new String[] {"commit", image},
                new String[] {"filesystems", "-a", image},
                new String[] {"df", "-a", image},
                new String[] {"ls", "-a", image, "/"},
                new String[] {"cat", "-a", image, "/etc/hostname"},
                new String[] {"copy-out", "-a", image, "/", dir.toString()},
                new String[] {"tar-out", "-a", image, "/", dir.resolve("out.tar").toString()},
                new String[] {"inspector", "-a", image});
    }

    private static Cli.Result untrusted(String[] command) {
        List<String> args = new ArrayList<>(List.of(command[0], "--untrusted"));
        args.addAll(List.of(command).subList(1, command.length));
        return Cli.run(args.toArray(new String[0]));
    }

    private static String describe(String[] command) {
        return String.join(" ", command);
    }

    @ParameterizedTest
    @ValueSource(strings = {"absolute", "relative-up", "file-prefix", "nbd", "http", "json", "data-file"})
    void untrustedRefusesEveryReference(String which) throws IOException {
        Referring r = referring(which);
        String kind = r.kind().replace('-', ' ');
        if (r.followedByDefault()) {
            // Without --untrusted the reference is followed (convert reads through it): the refusals below are
            // --untrusted's doing.
            Cli.Result plain = Cli.run("convert", "-O", "raw", r.image().toString(), dir.resolve("plain.raw")
                    .toString());
            assertEquals(0, plain.exit(), plain.err());
        }
        for (String[] command : commands(r.image().toString())) {
            Cli.Result res = untrusted(command);
            assertEquals(command[0].equals("compare") ? 2 : 1, res.exit(), describe(command) + ": " + res.err());
            assertEquals("platter: " + r.image() + ": refusing to open " + kind + " '" + r.stored() + "': " + DENIED
                    + "\n", res.err(), describe(command));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"absolute", "relative-up", "file-prefix", "nbd", "http", "json", "data-file"})
    void safetyReportsEveryReference(String which) throws IOException {
        Referring r = referring(which);
        Cli.Result human = Cli.run("check", "--safety", r.image().toString());
        assertEquals(1, human.exit(), human.err());
        assertTrue(human.out().startsWith(r.image() + " (qcow2): unsafe\n  reference: "
                + (r.kind().equals("data-file") ? "external data file" : "backing file") + " '" + r.stored() + "'"),
                human.out());
        Cli.Result json = Cli.run("check", "--safety", "--output=json", r.image().toString());
        assertEquals(1, json.exit(), json.err());
        JsonNode report = new ObjectMapper().readTree(json.out());
        assertEquals(r.image().toString(), report.get("filename").asText());
        assertEquals("qcow2", report.get("format").asText());
        assertFalse(report.get("safe").asBoolean());
        assertEquals(1, report.get("findings").size(), json.out());
        JsonNode finding = report.get("findings").get(0);
        assertEquals("reference", finding.get("category").asText());
        assertEquals(r.kind(), finding.get("kind").asText());
        assertEquals(r.stored(), finding.get("reference").asText());
    }

    @Test
    void aSafeImagePassesBoth() throws IOException {
        Tool.run("qemu-io", "-f", "qcow2", "-c", "write -P 7 0 64k", safe.toString()).ok();
        Path raw = in.resolve("disk.img");
        qemuImg("create", "-q", "-f", "raw", raw.toString(), "1M");
        for (Path image : List.of(safe, raw)) {
            Cli.Result r = Cli.run("check", "--safety", image.toString());
            assertEquals(0, r.exit(), r.out() + r.err());
            String format = image == safe ? "qcow2" : "raw";
            assertEquals(image + " (" + format + "): safe\n", r.out());
            Cli.Result json = Cli.run("check", "--safety", "--output=json", image.toString());
            assertEquals("{\n    \"filename\": \"" + image + "\",\n    \"format\": \"" + format + "\",\n"
                    + "    \"safe\": true,\n    \"findings\": []\n}\n", json.out());
        }
        for (String[] command : commands(safe.toString())) {
            if (command[0].equals("commit") || command[0].equals("cat") || command[0].equals("ls")
                    || command[0].equals("copy-out") || command[0].equals("tar-out")
                    || command[0].equals("inspector")) {
                continue; // these need a backing file or a guest filesystem, which a blank image lacks
            }
            Cli.Result res = untrusted(command);
            assertEquals(0, res.exit(), describe(command) + ": " + res.err());
        }
        Cli.Result pinned = Cli.run("map", "--untrusted", "-f", "raw", raw.toString());
        assertEquals(0, pinned.exit(), pinned.err());
    }

    @Test
    void symbolicLinksAreNotFollowed() throws IOException {
        Path link = Files.createSymbolicLink(dir.resolve("link.qcow2"), safe);
        Path linkedFolder = Files.createSymbolicLink(dir.resolve("folder"), in);
        for (Path image : List.of(link, linkedFolder.resolve("safe.qcow2"))) {
            Path theLink = image.equals(link) ? link : linkedFolder;
            assertEquals(0, Cli.run("map", image.toString()).exit()); // followed by default
            for (String[] command : commands(image.toString())) {
                Cli.Result res = untrusted(command);
                assertEquals(command[0].equals("compare") ? 2 : 1, res.exit(), describe(command) + ": " + res.err());
                assertEquals("platter: Could not open '" + image + "': '" + theLink + "' is a symbolic link (not "
                        + "followed for untrusted images)\n", res.err(), describe(command));
            }
            Cli.Result json = Cli.run("check", "--safety", "--output=json", image.toString());
            assertEquals(1, json.exit(), json.err());
            JsonNode report = new ObjectMapper().readTree(json.out());
            assertFalse(report.has("format"), json.out());
            assertEquals("path", report.get("findings").get(0).get("category").asText());
            assertTrue(report.get("findings").get(0).get("message").asText().startsWith("'" + theLink + "'"));
        }
    }

    @Test
    void theFormatMustAgreeWithTheNameAndWithF() throws IOException {
        Path qcowNamedRaw = in.resolve("disk.raw");
        Files.copy(safe, qcowNamedRaw);
        Path rawNamedQcow = in.resolve("disk.qcow2");
        Files.copy(base, rawNamedQcow);
        Cli.Result r = Cli.run("info", "--untrusted", qcowNamedRaw.toString());
        assertEquals("platter: Could not open '" + qcowNamedRaw + "': the name ends in '.raw' but the content probes "
                + "as qcow2 (refused for untrusted images; pin the format if it is known)\n", r.err());
        r = Cli.run("ls", "--untrusted", "-a", rawNamedQcow.toString(), "/");
        assertEquals("platter: Could not open '" + rawNamedQcow + "': the name ends in '.qcow2' but the content "
                + "probes as raw (refused for untrusted images; pin the format if it is known)\n", r.err());
        assertEquals(0, Cli.run("info", "--untrusted", "-f", "qcow2", qcowNamedRaw.toString()).exit());
        assertEquals(0, Cli.run("info", qcowNamedRaw.toString()).exit());

        assertSafety(qcowNamedRaw, null, "qcow2", "format: the name ends in '.raw' but the content probes as qcow2");
        assertSafety(rawNamedQcow, null, "raw", "format: the name ends in '.qcow2' but the content probes as raw");
        assertSafety(safe, "raw", "raw", "format: the format is given as raw but the content probes as qcow2");
    }

    private static void assertSafety(Path image, String format, String shown, String... findings) {
        List<String> args = new ArrayList<>(List.of("check", "--safety"));
        if (format != null) {
            args.addAll(List.of("-f", format));
        }
        args.add(image.toString());
        Cli.Result r = Cli.run(args.toArray(new String[0]));
        StringBuilder expected = new StringBuilder(image + " (" + shown + "): unsafe\n");
        for (String f : findings) {
            expected.append("  ").append(f).append('\n');
        }
        assertEquals(expected.toString(), r.out(), r.err());
        assertEquals(1, r.exit());
    }

    private static void patch(Path image, long offset, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), offset);
        }
    }

    private static byte[] be64(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    @Test
    void unknownFeatureBitsAreReported() throws IOException {
        Path img = in.resolve("bits.qcow2");
        Files.copy(safe, img);
        patch(img, 72, be64(0x100)); // incompatible: bit 8, unknown
        patch(img, 80, be64(0x2 | 0x1)); // compatible: lazy refcounts (known) and bit 1 (unknown)
        patch(img, 88, be64(0x8)); // autoclear: bit 3, unknown
        assertSafety(img, null, "qcow2",
                "feature: unknown compatible feature bits 0x2",
                "feature: unknown autoclear feature bits 0x8",
                "feature: Unsupported qcow2 feature(s): Unknown incompatible feature: 100");
        Cli.Result r = Cli.run("info", "--untrusted", img.toString());
        assertEquals(1, r.exit());
        assertEquals("platter: Unsupported qcow2 feature(s): Unknown incompatible feature: 100\n", r.err());
    }

    @Test
    void sizesThatDoNotAddUpAreReported() throws IOException {
        Path img = in.resolve("sizes.qcow2");
        Files.copy(safe, img);
        patch(img, 24, be64(1L << 50)); // virtual size: 1 PiB, far more than the one-entry L1 table can map
        patch(img, 40, be64(1L << 30)); // L1 table offset: 1 GiB, past the end of a 192 KiB file
        Cli.Result r = Cli.run("check", "--safety", img.toString());
        assertEquals(1, r.exit(), r.err());
        assertEquals(img + " (qcow2): unsafe\n"
                + "  structure: corrupt qcow2 header at offset 36 (0x24): L1 table is too small for the virtual size "
                + "(1 entries for 1125899906842624 bytes)\n"
                + "  structure: the L1 table (offset 1073741824, 8 bytes) runs past the end of the file ("
                + Files.size(img) + " bytes)\n", r.out());
    }

    @Test
    void safetyCannotRepairAndNeedsAFile() {
        Cli.Result r = Cli.run("check", "--safety", "-r", "all", safe.toString());
        assertEquals("platter: --safety cannot be combined with -r\n", r.err());
        assertEquals(1, r.exit());
        r = Cli.run("check", "--safety", dir.resolve("missing.qcow2").toString());
        assertEquals("platter: Could not open '" + dir.resolve("missing.qcow2") + "': No such file or directory\n",
                r.err());
        assertEquals(1, r.exit());
    }

    @Test
    void createAndConvertRefuseABackingFileUnderUntrusted() {
        Path top = in.resolve("new.qcow2");
        Cli.Result r = Cli.run("create", "--untrusted", "-q", "-f", "qcow2", "-b", "safe.qcow2", "-F", "qcow2",
                top.toString());
        assertEquals("platter: " + top + ": refusing to open backing file 'safe.qcow2': " + DENIED + "\n", r.err());
        assertEquals(1, r.exit());
        // -u writes the name without opening it.
        r = Cli.run("create", "--untrusted", "-q", "-f", "qcow2", "-u", "-b", "safe.qcow2", "-F", "qcow2",
                top.toString(), "1M");
        assertEquals(0, r.exit(), r.err());
        Path target = in.resolve("converted.qcow2");
        r = Cli.run("convert", "--untrusted", "-O", "qcow2", "-B", "safe.qcow2", "-F", "qcow2", safe.toString(),
                target.toString());
        assertEquals("platter: " + target + ": refusing to open backing file 'safe.qcow2': " + DENIED + "\n",
                r.err());
        assertEquals(1, r.exit());
    }

    @Test
    void targetsAreNotWrittenThroughSymbolicLinks() throws IOException {
        Path victim = Files.writeString(dir.resolve("victim"), "keep me");
        Path link = Files.createSymbolicLink(in.resolve("out.raw"), victim);
        Path linkedFolder = Files.createSymbolicLink(dir.resolve("elsewhere"), in);
        for (Path target : List.of(link, linkedFolder.resolve("new.raw"))) {
            String theLink = target.equals(link) ? link.toString() : linkedFolder.toString();
            String refusal = "platter: Could not open '" + target + "': '" + theLink + "' is a symbolic link (not "
                    + "followed for untrusted images)\n";
            for (String[] command : List.of(
                    new String[] {"convert", "--untrusted", "-O", "raw", safe.toString(), target.toString()},
                    new String[] {"dd", "--untrusted", "if=" + safe, "of=" + target},
                    new String[] {"create", "--untrusted", "-f", "raw", target.toString(), "1M"})) {
                Cli.Result r = Cli.run(command);
                assertEquals(refusal, r.err(), describe(command));
                assertEquals(1, r.exit());
                assertEquals("", r.out());
            }
        }
        assertEquals("keep me", Files.readString(victim));
        assertFalse(Files.exists(in.resolve("new.raw")));
        // Without --untrusted the link is followed, as qemu-img follows it.
        assertEquals(0, Cli.run("create", "-q", "-f", "raw", link.toString(), "1M").exit());
        assertEquals(1 << 20, Files.size(victim));
    }
}
