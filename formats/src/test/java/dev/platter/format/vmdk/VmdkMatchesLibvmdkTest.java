package dev.platter.format.vmdk;

import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
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
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The independent reader: libyal's libvmdk (python3-libvmdk) reads every byte of the disks qemu-img writes as
 * Platter reads them, and of a stream with its directory at the end, as VMware exports it. Where the two disagree
 * (a zeroed-grain disk: libvmdk 20200926 reads written grains of it as zeros), Platter reads what qemu-img reads.
 */
@RequiresTool({"qemu-img", "qemu-io", "vmdkinfo"})
class VmdkMatchesLibvmdkTest {
    private static final String PYTHON = "/usr/bin/python3";
    private static final String READ_ALL = "import pyvmdk, sys\n"
            + "h = pyvmdk.handle()\nh.open(sys.argv[1])\nh.open_extent_data_files()\n"
            + "n = h.get_media_size()\nout = open(sys.argv[2], 'wb')\npos = 0\n"
            + "while pos < n:\n    k = min(1 << 20, n - pos)\n    out.write(h.read_buffer_at_offset(k, pos))\n"
            + "    pos += k\nout.close()\n";

    @TempDir
    static Path dir;

    @BeforeAll
    static void source() throws IOException {
        byte[] data = new byte[4 << 20];
        for (int i = 0; i < data.length; i++) {
            data[i] = i < (1 << 20) || (i >= (3 << 20) && i < (3 << 20) + 8192) ? (byte) (i * 7 / 512) : 0;
        }
        Files.write(dir.resolve("src.raw"), data);
    }

    static byte[] libvmdk(Path image) throws IOException {
        Path out = image.resolveSibling(image.getFileName() + ".libvmdk");
        Tool.run(PYTHON, "-c", READ_ALL, image.toString(), out.toString()).ok();
        byte[] b = Files.readAllBytes(out);
        Files.delete(out);
        return b;
    }

    private static byte[] platter(Path image) throws IOException {
        try (Image i = Images.open(image, OpenOptions.readOnlyDefaults())) {
            byte[] all = new byte[(int) i.size()];
            i.read(0, ByteBuffer.wrap(all));
            return all;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"monolithicSparse", "monolithicFlat", "twoGbMaxExtentSparse", "twoGbMaxExtentFlat",
        "streamOptimized"})
    void everySubformatReadsTheSame(String subformat) throws IOException {
        Path image = dir.resolve(subformat + ".vmdk");
        Tool.run("qemu-img", "convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=" + subformat,
                dir.resolve("src.raw").toString(), image.toString()).ok();
        byte[] platter = platter(image);
        assertArrayEquals(Files.readAllBytes(dir.resolve("src.raw")), platter);
        assertArrayEquals(libvmdk(image), platter, subformat);
    }

    @Test
    void streamWithTheDirectoryAtTheEnd() throws IOException {
        Path stream = dir.resolve("so.vmdk");
        Tool.run("qemu-img", "convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=streamOptimized",
                dir.resolve("src.raw").toString(), stream.toString()).ok();
        byte[] s = Files.readAllBytes(stream);
        byte[] header = Arrays.copyOf(s, 512);
        ByteBuffer.wrap(s).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(56, -1L);
        byte[] out = Arrays.copyOf(s, s.length + 1536);
        ByteBuffer.wrap(out).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(s.length, 1).putInt(s.length + 12, 3);
        System.arraycopy(header, 0, out, s.length + 512, 512);
        Path atEnd = dir.resolve("at-end.vmdk");
        Files.write(atEnd, out);
        assertArrayEquals(libvmdk(atEnd), platter(atEnd));
    }

    /** libvmdk and qemu-img disagree here; Platter follows qemu-img (and the format: GTE 1 marks only a zero grain). */
    @Test
    void zeroedGrainDiskReadsAsQemuImgReadsIt() throws IOException {
        Path z = dir.resolve("zeroed.vmdk");
        Tool.run("qemu-img", "create", "-q", "-f", "vmdk", "-o", "zeroed_grain=on", z.toString(), "4M").ok();
        Tool.run("qemu-io", "-f", "vmdk", "-c", "write -P 1 0 1M", "-c", "write -z 128k 256k", z.toString()).ok();
        Path q = dir.resolve("zeroed.raw");
        Tool.run("qemu-img", "convert", "-O", "raw", z.toString(), q.toString()).ok();
        byte[] platter = platter(z);
        assertArrayEquals(Files.readAllBytes(q), platter);
        byte[] lib = libvmdk(z);
        assertEquals(platter.length, lib.length);
        assertFalse(Arrays.equals(platter, lib), "libvmdk now agrees with qemu-img: update docs/cli.md");
    }
}
