package dev.platter.cli;

import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Legacy AES (crypt_method 1) qcow2 and qcow images through the CLI against qemu-img 7.2: info without the key
 * (human, JSON, along a chain); with it, map (JSON and human), convert, compare and check as qemu-img prints them;
 * without it, qemu's open error; a wrong key converts to the same noise qemu-img writes; writes refused.
 */
@RequiresTool({"qemu-img", "qemu-io"})
class LegacyAesMatchesQemuImgTest {
    private static final String[] OBJ = {"--object", "secret,id=s0,data=abc", "--object", "secret,id=bad,data=abd"};

    @TempDir
    Path dir;

    private static String[] with(String command, String... rest) {
        List<String> a = new ArrayList<>(List.of(command));
        a.addAll(List.of(OBJ));
        a.addAll(List.of(rest));
        return a.toArray(new String[0]);
    }

    private static Tool.Result qemuImg(String... args) {
        List<String> cmd = new ArrayList<>(List.of("qemu-img"));
        cmd.addAll(List.of(args));
        return Tool.run(cmd.toArray(new String[0]));
    }

    private static String opts(String format, Path image, String key) {
        return "driver=" + format + ",file.filename=" + image + ",encrypt.key-secret=" + key;
    }

    /** An AES image by qemu-img, written by qemu-io: data, a partial cluster, a compressed cluster. */
    private Path image(String format, String name, String... backing) {
        Path img = dir.resolve(name);
        List<String> args = new ArrayList<>(List.of(with("create", "-q", "-f", format, "-o",
                (format.equals("qcow2") ? "encrypt.format=aes" : "encryption=on") + ",encrypt.key-secret=s0")));
        args.addAll(List.of(backing));
        args.addAll(List.of(img.toString(), "2M"));
        qemuImg(args.toArray(new String[0])).ok();
        int cluster = format.equals("qcow2") ? 65536 : backing.length > 0 ? 512 : 4096;
        List<String> io = new ArrayList<>(List.of("qemu-io"));
        io.addAll(List.of(OBJ));
        io.addAll(List.of("--image-opts", opts(format, img, "s0"), "-c", "write -P 0x5a 64k 64k", "-c",
                "write -P 0x11 300k 3k", "-c", "write -c -P 0x33 1M " + cluster));
        Tool.run(io.toArray(new String[0])).ok();
        return img;
    }

    @ParameterizedTest
    @ValueSource(strings = {"qcow2", "qcow"})
    void infoNeedsNoKeyAndEverythingElseIsQemuImgs(String format) throws IOException {
        Path base = dir.resolve("base.raw");
        Files.write(base, new byte[2 << 20]);
        for (Path img : List.of(image(format, "a." + format), image(format, "o." + format, "-b", base.toString(),
                "-F", "raw"))) {
            String p = img.toString();
            QemuImgOracle.sameAs("info", p);
            QemuImgOracle.sameAs("info", "--output=json", p);
            QemuImgOracle.sameAs("info", "--backing-chain", "--output=json", p);
            // without the key: qemu's open error
            QemuImgOracle.sameAs("map", "--output=json", p);
            QemuImgOracle.sameAs("convert", "-O", "raw", p, dir.resolve("x.raw").toString());
            QemuImgOracle.sameAs("check", p);
            // with it
            QemuImgOracle.sameAs(with("map", "--output=json", "--image-opts", opts(format, img, "s0")));
            QemuImgOracle.sameAs(with("map", "--image-opts", opts(format, img, "s0")));
            QemuImgOracle.sameAs(with("check", "--image-opts", opts(format, img, "s0")));
            QemuImgOracle.sameAs(with("compare", "--image-opts", opts(format, img, "s0"),
                    "driver=raw,file.filename=" + base));
            for (String key : new String[] {"s0", "bad"}) { // a wrong key: the same noise, no error
                Path mine = dir.resolve("mine.raw");
                Path theirs = dir.resolve("theirs.raw");
                Cli.Result r = Cli.run(with("convert", "--image-opts", opts(format, img, key), "-O", "raw",
                        mine.toString()));
                assertEquals(0, r.exit(), r.err());
                qemuImg(with("convert", "--image-opts", opts(format, img, key), "-O", "raw", theirs.toString()))
                        .ok();
                assertArrayEquals(Files.readAllBytes(theirs), Files.readAllBytes(mine), key);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qcow2", "qcow"})
    void writesAreRefusedInQemusWords(String format) throws IOException {
        Path img = image(format, "w." + format);
        byte[] before = Files.readAllBytes(img);
        String why = "platter: Use of AES-CBC encrypted " + format + " images is no longer supported for writing, "
                + "only for reading. You can use 'qemu-img convert' to convert your image to an alternative supported "
                + "format, such as unencrypted " + format + ", or raw with the LUKS format instead.\n";
        List<String[]> commands = new ArrayList<>();
        commands.add(with("resize", "--image-opts", opts(format, img, "s0"), "4M"));
        if (format.equals("qcow2")) {
            commands.add(with("snapshot", "-c", "one", "--image-opts", opts(format, img, "s0")));
            commands.add(with("check", "-r", "all", "--image-opts", opts(format, img, "s0")));
        }
        for (String[] c : commands) {
            Cli.Result r = Cli.run(c);
            assertEquals(1, r.exit(), String.join(" ", c));
            assertEquals(why, r.err(), String.join(" ", c));
            assertFalse(r.err().contains("abc"));
        }
        assertArrayEquals(before, Files.readAllBytes(img));
    }
}
