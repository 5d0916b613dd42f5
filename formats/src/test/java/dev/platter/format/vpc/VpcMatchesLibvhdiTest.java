package dev.platter.format.vpc;

import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The independent reader: libyal's libvhdi (python3-libvhdi) reads every byte of what Platter writes (created,
 * converted, then written through the API) as Platter and qemu-img read it, and of qemu-img's own VHDs.
 */
@RequiresTool({"qemu-img", "vhdiinfo"})
class VpcMatchesLibvhdiTest {
    private static final String PYTHON = "/usr/bin/python3";
    private static final String READ_ALL = "import pyvhdi, sys\n"
            + "f = pyvhdi.file()\nf.open(sys.argv[1])\n"
            + "if len(sys.argv) > 3:\n    p = pyvhdi.file()\n    p.open(sys.argv[3])\n    f.set_parent(p)\n"
            + "n = f.get_media_size()\nout = open(sys.argv[2], 'wb')\npos = 0\n"
            + "while pos < n:\n    k = min(1 << 20, n - pos)\n    out.write(f.read_buffer_at_offset(k, pos))\n"
            + "    pos += k\nout.close()\n";

    @TempDir
    static Path dir;

    @BeforeAll
    static void source() throws IOException {
        byte[] data = new byte[5 << 20];
        for (int i = 0; i < data.length; i++) {
            data[i] = i < (1 << 20) || (i >= (3 << 20) && i < (3 << 20) + 8192) ? (byte) (i * 7 / 512) : 0;
        }
        Files.write(dir.resolve("src.raw"), data);
    }

    /** Every byte libvhdi reads ({@code parent}: a differencing disk's parent, or null). */
    static byte[] libvhdi(Path image, Path parent) throws IOException {
        Path out = image.resolveSibling(image.getFileName() + ".libvhdi");
        if (parent == null) {
            Tool.run(PYTHON, "-c", READ_ALL, image.toString(), out.toString()).ok();
        } else {
            Tool.run(PYTHON, "-c", READ_ALL, image.toString(), out.toString(), parent.toString()).ok();
        }
        byte[] b = Files.readAllBytes(out);
        Files.delete(out);
        return b;
    }

    private static byte[] platter(Path image) throws IOException {
        try (Image i = Images.open(image, OpenOptions.readOnlyDefaults().withFormat("vpc"))) {
            byte[] all = new byte[(int) i.size()];
            i.read(0, ByteBuffer.wrap(all));
            return all;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "subformat=fixed", "force_size=on", "subformat=fixed,force_size=on", "azure=on"})
    void whatPlatterWritesReadsTheSameInLibvhdi(String options) throws IOException {
        Path image = dir.resolve("p-" + options.replace(',', '_').replace('=', '_') + ".vhd");
        VpcWriteTest.convert(dir.resolve("src.raw"), image, "raw", "vpc", CreateOptions.parseList(options));
        try (Image img = Images.open(image, OpenOptions.readWriteDefaults().withFormat("vpc"))) {
            byte[] w = new byte[70_000];
            Arrays.fill(w, (byte) 0x3c);
            img.write((4 << 20) + 1000, ByteBuffer.wrap(w)); // a new block, partly
            img.write(100, ByteBuffer.wrap(w)); // an old one
        }
        byte[] platter = platter(image);
        assertArrayEquals(libvhdi(image, null), platter, options);
        Path q = dir.resolve("q.raw");
        Tool.run("qemu-img", "convert", "-f", "vpc", "-O", "raw", image.toString(), q.toString()).ok();
        assertArrayEquals(Files.readAllBytes(q), platter, options);
    }

    @ParameterizedTest
    @ValueSource(strings = {"dynamic", "fixed"})
    void qemuImgsDisksReadTheSame(String subformat) throws IOException {
        Path image = dir.resolve("q-" + subformat + ".vhd");
        Tool.run("qemu-img", "convert", "-f", "raw", "-O", "vpc", "-o", "subformat=" + subformat,
                dir.resolve("src.raw").toString(), image.toString()).ok();
        byte[] platter = platter(image);
        byte[] src = Files.readAllBytes(dir.resolve("src.raw"));
        assertArrayEquals(src, Arrays.copyOf(platter, src.length), subformat);
        assertEquals(-1, Arrays.mismatch(new byte[platter.length - src.length],
                Arrays.copyOfRange(platter, src.length, platter.length)), "the CHS tail reads as zeros");
        assertArrayEquals(libvhdi(image, null), platter, subformat);
    }
}
