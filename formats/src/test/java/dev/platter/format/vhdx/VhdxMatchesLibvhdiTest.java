package dev.platter.format.vhdx;

import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.operation.Convert;
import dev.platter.operation.ConvertOptions;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The independent reader: libyal's libvhdi (python3-libvhdi, vhdiinfo) reads every byte of what Platter writes as
 * Platter reads it, in both subformats, every block size and with 4096-byte logical sectors (which qemu-img never
 * creates), and reads qemu-img's disks as Platter does.
 */
@RequiresTool({"qemu-img", "vhdiinfo"})
class VhdxMatchesLibvhdiTest {
    private static final String PYTHON = "/usr/bin/python3";
    private static final String READ_ALL = "import pyvhdi, sys\n"
            + "f = pyvhdi.file()\nf.open(sys.argv[1])\n"
            + "n = f.get_media_size()\nout = open(sys.argv[2], 'wb')\npos = 0\n"
            + "while pos < n:\n    k = min(1 << 20, n - pos)\n    out.write(f.read_buffer_at_offset(k, pos))\n"
            + "    pos += k\nout.close()\n";

    @TempDir
    static Path dir;
    static Path source;

    @BeforeAll
    static void source() throws IOException {
        byte[] data = new byte[(19 << 20) + 4096];
        Random r = new Random(5);
        for (int i = 0; i < data.length; i++) {
            data[i] = i < (1 << 20) || (i >= (9 << 20) && i < (9 << 20) + 81920) ? (byte) (i * 7 / 512) : 0;
        }
        for (int i = data.length - 5000; i < data.length; i++) {
            data[i] = (byte) r.nextInt();
        }
        source = dir.resolve("src.raw");
        Files.write(source, data);
    }

    static byte[] libvhdi(Path image) throws IOException {
        Path out = image.resolveSibling(image.getFileName() + ".libvhdi");
        Tool.run(PYTHON, "-c", READ_ALL, image.toString(), out.toString()).ok();
        byte[] b = Files.readAllBytes(out);
        Files.delete(out);
        return b;
    }

    static byte[] platter(Path image) throws IOException {
        try (Image i = Images.open(image, OpenOptions.readOnlyDefaults())) {
            byte[] all = new byte[(int) i.size()];
            i.read(0, ByteBuffer.wrap(all));
            return all;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"subformat=dynamic", "subformat=fixed", "subformat=fixed,block_state_zero=off",
        "block_state_zero=off", "block_size=1M", "block_size=2M", "block_size=4M", "block_size=16M",
        "block_size=32M", "block_size=64M", "block_size=128M", "block_size=256M"})
    void whatPlatterWritesLibvhdiReadsTheSame(String options) throws IOException {
        Path image = dir.resolve("p-" + options.replace(',', '_').replace('=', '_') + ".vhdx");
        ConvertOptions o = ConvertOptions.builder(List.of(source), image).sourceFormat("raw").targetFormat("vhdx")
                .createOptions(CreateOptions.parseList(options)).build();
        Convert.run(o, dev.platter.core.ProgressListener.NONE);
        byte[] expected = Files.readAllBytes(source);
        assertArrayEquals(expected, platter(image));
        assertArrayEquals(expected, libvhdi(image), options);
        String info = Tool.run("vhdiinfo", image.toString()).ok().stdout();
        assertTrue(info.contains("Disk type\t\t: " + (options.contains("fixed") ? "Fixed" : "Dynamic")), info);
    }

    @ParameterizedTest
    @ValueSource(strings = {"subformat=dynamic", "subformat=fixed,block_state_zero=off", "block_size=1M"})
    void qemuImgsDisksReadTheSameInAllThree(String options) throws IOException {
        Path image = dir.resolve("q-" + options.replace(',', '_').replace('=', '_') + ".vhdx");
        Tool.run("qemu-img", "convert", "-f", "raw", "-O", "vhdx", "-o", options, source.toString(),
                image.toString()).ok();
        byte[] platter = platter(image);
        assertArrayEquals(Files.readAllBytes(source), platter);
        assertArrayEquals(libvhdi(image), platter, options);
    }

    /** 4096-byte logical sectors: Platter writes them (through the API) and libvhdi reads them back the same. */
    @ParameterizedTest
    @ValueSource(strings = {"block_size=1M", "subformat=fixed,block_state_zero=off", "block_size=32M"})
    void fourKiBSectorDisks(String options) throws IOException {
        Path image = dir.resolve("4k-" + options.replace(',', '_').replace('=', '_') + ".vhdx");
        byte[] expected = Files.readAllBytes(source);
        VhdxCreator.create(image, VhdxCreateOptions.parse(expected.length, CreateOptions.of(
                CreateOptions.parseList(options))), 4096);
        try (Image img = Images.open(image, OpenOptions.readWriteDefaults())) {
            assertEquals(4096, ((VhdxImage) img).logicalSectorSize());
            img.write(0, ByteBuffer.wrap(expected));
        }
        assertArrayEquals(expected, platter(image));
        assertArrayEquals(expected, libvhdi(image), options);
        String info = Tool.run("vhdiinfo", image.toString()).ok().stdout();
        assertTrue(info.contains("Bytes per sector\t: 4096 bytes"), info);
    }

    @Test
    void vhdiinfoReadsPlattersHeaderFields() throws IOException {
        Path image = dir.resolve("info.vhdx");
        new VhdxFormat().create(image, 100 << 20, CreateOptions.of(Map.of()));
        String info = Tool.run("vhdiinfo", image.toString()).ok().stdout();
        assertTrue(info.contains("Format\t\t\t: VHDX (version 2)"), info);
        assertTrue(info.contains("Media size\t\t: 100 MiB (104857600 bytes)"), info);
    }
}
