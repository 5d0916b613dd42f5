package dev.platter.cli;

import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Platter reads the qcow (version 1) images qemu-img writes as qemu-img reads them: the same bytes (convert to raw),
 * and {@code info} and {@code map} print what qemu-img prints, human and JSON: plain and compressed clusters
 * ({@code qemu-io write -c}), a backing file. Legacy AES images: {@code LegacyAesMatchesQemuImgTest}.
 */
@RequiresTool({"qemu-img", "qemu-io"})
class QcowMatchesQemuImgTest {
    @TempDir
    static Path dir;

    static List<String> images() {
        return List.of("empty.qcow", "written.qcow", "compressed.qcow", "overlay.qcow", "odd.qcow");
    }

    @BeforeAll
    static void makeImages() throws IOException {
        QemuImgOracle.run("create", "-f", "qcow", path("empty.qcow"), "5M");
        QemuImgOracle.run("create", "-f", "qcow", path("written.qcow"), "9M");
        QemuImgOracle.io("qcow", path("written.qcow"), "write -P 1 0 70k", "write -P 2 4M 4k", "write -P 3 8M 1M", "write -P 4 1M 1M");
        byte[] data = new byte[6 << 20];
        Random r = new Random(3);
        for (int i = 0; i < (2 << 20); i++) {
            data[i] = (byte) r.nextInt();
        }
        for (int i = 4 << 20; i < data.length; i++) {
            data[i] = (byte) (i / 1000);
        }
        Files.write(dir.resolve("source.raw"), data);
        // compressed clusters written by qemu-io (qemu-img 7.2's convert -c -O qcow fails here without a message)
        QemuImgOracle.run("create", "-f", "qcow", path("compressed.qcow"), "4M");
        QemuImgOracle.io("qcow", path("compressed.qcow"), "write -c -P 7 64k 4k", "write -c -P 8 1M 4k", "write -P 9 8k 4k",
                "write -c -P 10 2M 4k");
        QemuImgOracle.run("create", "-f", "qcow", "-b", "source.raw", "-F", "raw", path("overlay.qcow"));
        QemuImgOracle.io("qcow", path("overlay.qcow"), "write -P 5 64k 4k", "write -P 6 5M 512");
        QemuImgOracle.run("create", "-f", "qcow", path("odd.qcow"), "1000000");
        QemuImgOracle.io("qcow", path("odd.qcow"), "write -P 7 999424 512");
    }

    private static String path(String name) {
        return dir.resolve(name).toString();
    }

    @ParameterizedTest
    @MethodSource("images")
    void infoMatches(String image) {
        QemuImgOracle.sameAs("info", path(image));
        QemuImgOracle.sameAs("info", "--output=json", path(image));
        QemuImgOracle.sameAs("info", "--backing-chain", path(image));
    }

    @ParameterizedTest
    @MethodSource("images")
    void mapMatches(String image) {
        QemuImgOracle.sameAs("map", path(image));
        QemuImgOracle.sameAs("map", "--output=json", path(image));
    }

    @ParameterizedTest
    @MethodSource("images")
    void readsTheBytesQemuImgReads(String image) throws IOException {
        Path mine = dir.resolve(image + ".platter.raw");
        Path theirs = dir.resolve(image + ".qemu.raw");
        Files.deleteIfExists(mine);
        Files.deleteIfExists(theirs);
        Cli.Result r = Cli.run("convert", "-O", "raw", path(image), mine.toString());
        assertEquals(0, r.exit(), r.err());
        QemuImgOracle.run("convert", "-O", "raw", path(image), theirs.toString());
        assertEquals("Images are identical.\n", Tool.run("qemu-img", "compare", "-f", "raw", "-F", "raw",
                theirs.toString(), mine.toString()).ok().stdout(), image);
        assertEquals(Files.size(theirs), Files.size(mine));
        Files.delete(mine);
        Files.delete(theirs);
    }

    @Test
    void creatingIsRefused() {
        Cli.Result c = Cli.run("create", "-f", "qcow", path("new.qcow"), "1M");
        assertEquals(1, c.exit());
        assertTrue(c.err().contains("'qcow' images are read only so far"), c.err());
        assertTrue(Files.notExists(dir.resolve("new.qcow")));
    }
}
