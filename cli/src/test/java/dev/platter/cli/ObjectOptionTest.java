package dev.platter.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --object secret,...} on every image command: qemu-img's messages and exit status for a bad definition, and
 * a passphrase that never reaches stderr or stdout, whatever fails.
 */
class ObjectOptionTest {
    private static final String PASS = "Tr0ub4dor-hunter2";

    @TempDir
    static Path dir;
    static String img;
    static String encrypted;

    @BeforeAll
    static void images() {
        img = dir.resolve("a.qcow2").toString();
        QemuImgOracle.run("create", "-q", "-f", "qcow2", img, "1M");
        encrypted = dir.resolve("e.qcow2").toString();
        // qemu-img's LUKS key derivation may fail on a busy machine ("Unable to get accurate CPU usage"): retry.
        for (int i = 0; i < 3 && !Files.exists(Path.of(encrypted)); i++) {
            dev.platter.testdata.Tool.run("qemu-img", "create", "-q", "-f", "qcow2", "--object", "secret,id=s0,data="
                    + PASS, "-o", "encrypt.format=luks,encrypt.key-secret=s0,encrypt.iter-time=100", encrypted, "1M");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"create", "info", "convert", "map", "compare", "measure", "dd", "rebase", "commit",
            "check", "snapshot", "resize", "amend"})
    void everyImageCommandTakesObjectAndAllButCreateImageOpts(String command) {
        String help = Cli.run(command, "--help").out();
        assertTrue(help.contains("--object=OBJECTDEF"), help);
        assertEquals(!command.equals("create"), help.contains("--image-opts"), help);
        assertFalse(help.contains("data=" + PASS));
    }

    @Test
    void aGoodSecretChangesNothingForAnUnencryptedImage() {
        QemuImgOracle.sameAs("info", "--object", "secret,id=s0,data=" + PASS, img);
        QemuImgOracle.sameAs("check", "--object", "secret,id=s0,data=cHc=,format=base64", "--object",
                "secret,id=s1,data=x", img);
    }

    @Test
    void badDefinitionsGetQemuImgsMessagesAndStatus() {
        QemuImgOracle.sameAs("info", "--object", "foo,id=s0", img);
        QemuImgOracle.sameAs("info", "--object", "secret,data=x", img);
        QemuImgOracle.sameAs("info", "--object", "secret,id=s0", img);
        QemuImgOracle.sameAs("map", "--object", "secret,id=s0,data=x,file=/etc/hostname", img);
        QemuImgOracle.sameAs("check", "--object", "secret,id=s0,data=x", "--object", "secret,id=s0,data=y", img);
        QemuImgOracle.sameAs("compare", "--object", "secret,id=s0", img, img); // exit 2
        QemuImgOracle.sameAs("convert", "--object", "secret,id=s0,data=x,bogus=1", img,
                dir.resolve("never.raw").toString());
        QemuImgOracle.sameAs("dd", "--object", "secret,id=s0,data=!,format=base64", "if=" + img,
                "of=" + dir.resolve("never.raw"));
        QemuImgOracle.sameAs("create", "--object", "secret,id=s0,data=x,format=hex", "-f", "raw",
                dir.resolve("never.raw").toString(), "1M");
        // qemu-img's two lines, on one as every Platter error.
        assertEquals("platter: Parameter 'id' expects an identifier Identifiers consist of letters, digits, '-', "
                + "'.', '_', starting with a letter.\n", Cli.run("measure", "--object", "secret,id=0s,data=x", "--size",
                "1M").err());
        QemuImgOracle.sameAs("amend", "--object", "secret,id=s0,data", "-o", "lazy_refcounts=on", img);
        assertFalse(Files.exists(dir.resolve("never.raw")));
    }

    @Test
    void thePassphraseNeverReachesTheOutputWhateverFails() {
        String obj = "secret,id=s0,data=" + PASS;
        String out = dir.resolve("out.qcow2").toString();
        List<String[]> failing = new ArrayList<>(List.of(
                new String[] {"info", img, "surplus", obj},                      // picocli quotes what it cannot place
                new String[] {"info", obj},                                       // the definition as a file name
                new String[] {"ls", "--object", obj, "-a", img, "/"},            // a command without --object
                new String[] {"info", "--object", obj + ",bogus=1", img},
                new String[] {"info", "--object", obj + ",keyid=k", img},
                new String[] {"info", "--object", obj + ",format=base64", img},
                new String[] {"info", "--object", obj, "--object", obj, img},
                new String[] {"map", "--object", obj, "--image-opts", "driver=qcow2,file.filename=" + encrypted
                        + ",encrypt.key-secret=nope"},
                new String[] {"map", "--object", "secret,id=s0,data=" + PASS + "x", "--image-opts",
                        "driver=qcow2,file.filename=" + encrypted + ",encrypt.key-secret=s0"},   // a wrong key
                new String[] {"compare", "--object", obj, "--image-opts", "driver=qcow2,file.filename=" + encrypted
                        + ",encrypt.key-secret=s0", "driver=qcow2,file.filename=" + encrypted},   // no second key
                new String[] {"create", "-f", "qcow2", "--object", obj, "-o", "encrypt.format=luks,"
                        + "encrypt.key-secret=s0,encrypt.cipher-alg=twofish-256", out, "1M"},
                new String[] {"convert", "-c", "-O", "qcow2", "--object", obj, "-o", "encrypt.format=luks,"
                        + "encrypt.key-secret=s0", img, out},
                new String[] {"amend", "--object", obj, "--image-opts", "driver=qcow2,file.filename=" + encrypted
                        + ",encrypt.key-secret=s0", "-o", "encrypt.new-secret=s0"}));   // no encrypt.state
        for (String[] args : failing) {
            for (boolean debug : new boolean[] {false, true}) {
                String[] run = debug ? concat(args, "--debug") : args;
                Cli.Result r = Cli.run(run);
                String what = String.join(" ", run);
                assertNotEquals(0, r.exit(), what + "\n" + r.out() + r.err());
                assertFalse(r.err().contains(PASS), what + "\n" + r.err());
                assertFalse(r.out().contains(PASS), what + "\n" + r.out());
            }
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
