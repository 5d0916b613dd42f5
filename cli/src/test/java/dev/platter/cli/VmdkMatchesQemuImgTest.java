package dev.platter.cli;

import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import dev.platter.testdata.VmdkFixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Platter reads every VMDK qemu-img writes, and the layouts qemu-img only reads, as qemu-img reads them: the same
 * bytes (Platter's convert to raw compares identical with qemu-img), and {@code info}, {@code map} and {@code check}
 * print what qemu-img prints, human and JSON. The images: each subformat qemu-img creates (from a raw with data,
 * holes and zeros), zeroed grains, a descriptor with VMware's keys, a delta disk, a 5 GiB twoGbMaxExtent pair
 * (three extents each), a stream with its directory at the end (VMware's exports), an ESX COWD extent, a seSparse
 * extent, a descriptor mixing every extent kind with lines qemu skips, and a grain past the end of its file (check's error).
 */
@RequiresTool({"qemu-img", "qemu-io"})
class VmdkMatchesQemuImgTest {
    @TempDir
    static Path dir;

    static List<String> images() {
        return List.of("monolithicSparse.vmdk", "monolithicFlat.vmdk", "twoGbMaxExtentSparse.vmdk",
                "twoGbMaxExtentFlat.vmdk", "streamOptimized.vmdk", "lsilogic-hw14.vmdk", "zeroed.vmdk",
                "delta.vmdk", "big-sparse.vmdk", "big-flat.vmdk", "gd-at-end.vmdk", "cowd.vmdk", "sesparse.vmdk", "mixed.vmdk",
                "grain-past-eof.vmdk");
    }

    @BeforeAll
    static void makeImages() throws IOException {
        Path raw = dir.resolve("source.raw");
        byte[] data = new byte[8 << 20];
        Random random = new Random(12);
        for (int[] range : new int[][] {{0, 1 << 20}, {3 << 20, 192 << 10}, {(8 << 20) - (64 << 10), 64 << 10}}) {
            for (int i = range[0]; i < range[0] + range[1]; i++) {
                data[i] = (byte) (i < (1 << 19) ? random.nextInt() : i / 4096);
            }
        }
        Files.write(raw, data);
        for (String sub : List.of("monolithicSparse", "monolithicFlat", "twoGbMaxExtentSparse", "twoGbMaxExtentFlat",
                "streamOptimized")) {
            QemuImgOracle.run("convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=" + sub, raw.toString(), path(sub + ".vmdk"));
        }
        QemuImgOracle.run("convert", "-f", "raw", "-O", "vmdk", "-o", "adapter_type=lsilogic,hwversion=14,toolsversion=12345",
                raw.toString(), path("lsilogic-hw14.vmdk"));
        QemuImgOracle.run("create", "-f", "vmdk", "-o", "zeroed_grain=on", path("zeroed.vmdk"), "8M");
        QemuImgOracle.io("vmdk", path("zeroed.vmdk"), "write -P 1 0 1M", "write -z 128k 256k", "write -z 4M 128k");
        QemuImgOracle.run("create", "-f", "vmdk", "-b", "monolithicSparse.vmdk", "-F", "vmdk", path("delta.vmdk"));
        QemuImgOracle.io("vmdk", path("delta.vmdk"), "write -P 7 64k 64k", "write -P 8 5M 1M");
        for (String big : List.of("big-sparse", "big-flat")) {
            QemuImgOracle.run("create", "-f", "vmdk", "-o", "subformat=twoGbMaxExtent" + (big.endsWith("sparse") ? "Sparse"
                    : "Flat"), path(big + ".vmdk"), "5G");
            QemuImgOracle.io("vmdk", path(big + ".vmdk"), "write -P 9 2047M 2M", "write -P 10 4095M 64k");
        }
        gdAtEnd();
        cowdAndSeSparse();
        Files.writeString(dir.resolve("mixed.vmdk"), "# Disk DescriptorFile\nversion=1\nencoding=\"UTF-8\"\n"
                + "CID=0000a0b1\nparentCID=ffffffff\ncreateType=\"vmfs\"\n\n# Extent description\n"
                + "RW 2048 FLAT \"monolithicFlat-flat.vmdk\" 4096\nRDONLY 100 FLAT \"source.raw\" 0\n"
                + "RW 16384 SPARSE \"monolithicSparse.vmdk\"\nRW 2048 VMFSSPARSE \"cowd-delta.vmdk\"\n"
                + "RW 4096 VMFS \"source.raw\"\nNOACCESS 100 FLAT \"source.raw\" 0\nRW 100 ZERO\n"
                + "RW 16384 SPARSE \"streamOptimized.vmdk\"\nRW 131072 SESPARSE \"se-sesparse.vmdk\"\n"
                + "\n# The Disk Data Base\n#DDB\n\n"
                + "ddb.adapterType = \"lsilogic\"\n");
        Files.copy(dir.resolve("monolithicSparse.vmdk"), dir.resolve("grain-past-eof.vmdk"));
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("grain-past-eof.vmdk").toFile(), "rw")) {
            f.seek(39 * 512 + 12); // GD at 38, first GT at 39 (qemu's layout for a small disk): the fourth grain
            f.write(new byte[] {0, 0, 0x10, 0});
        }
    }

    /** qemu-img's stream rewritten as VMware exports it: header gdOffset GD_AT_END, footer + EOS at the end. */
    private static void gdAtEnd() throws IOException {
        byte[] stream = Files.readAllBytes(dir.resolve("streamOptimized.vmdk"));
        byte[] header = java.util.Arrays.copyOf(stream, 512);
        ByteBuffer.wrap(stream).order(ByteOrder.LITTLE_ENDIAN).putLong(56, -1L);
        ByteBuffer tail = ByteBuffer.allocate(1536).order(ByteOrder.LITTLE_ENDIAN);
        tail.putLong(0, 1).putInt(12, 3).put(512, header);
        byte[] out = java.util.Arrays.copyOf(stream, stream.length + 1536);
        System.arraycopy(tail.array(), 0, out, stream.length, 1536);
        Files.write(dir.resolve("gd-at-end.vmdk"), out);
    }

    /** Extents qemu-img reads but cannot create: an ESX COWD extent and a seSparse one, each behind a descriptor. */
    private static void cowdAndSeSparse() throws IOException {
        Files.write(dir.resolve("cowd-delta.vmdk"), VmdkFixtures.cowd(2048, 0, 3, 100, 255));
        Files.writeString(dir.resolve("cowd.vmdk"), "# Disk DescriptorFile\nversion=1\nCID=aabbccdd\n"
                + "parentCID=ffffffff\ncreateType=\"vmfsSparse\"\n\n# Extent description\n"
                + "RW 2048 VMFSSPARSE \"cowd-delta.vmdk\"\n");
        Files.write(dir.resolve("se-sesparse.vmdk"), VmdkFixtures.seSparse());
        Files.writeString(dir.resolve("sesparse.vmdk"), "# Disk DescriptorFile\nversion=1\nCID=0a0b0c0d\n"
                + "parentCID=ffffffff\ncreateType=\"seSparse\"\n\n# Extent description\n"
                + "RW 131072 SESPARSE \"se-sesparse.vmdk\"\n");
    }

    private static String path(String name) {
        return dir.resolve(name).toString();
    }

    @ParameterizedTest
    @MethodSource("images")
    void infoMatches(String image) {
        QemuImgOracle.sameAs("info", path(image));
        QemuImgOracle.sameAs("info", "--output=json", path(image));
    }

    @ParameterizedTest
    @MethodSource("images")
    void mapMatches(String image) {
        QemuImgOracle.sameAs("map", path(image));
        QemuImgOracle.sameAs("map", "--output=json", path(image));
    }

    @ParameterizedTest
    @MethodSource("images")
    void checkMatches(String image) {
        QemuImgOracle.sameAs("check", path(image));
        QemuImgOracle.sameAs("check", "--output=json", path(image));
        QemuImgOracle.sameAs("check", "-r", "all", path(image));
    }

    /** Platter's raw copy is what qemu-img reads from the image. */
    @ParameterizedTest
    @MethodSource("images")
    void readsTheBytesQemuImgReads(String image) throws IOException {
        Path out = dir.resolve(image + ".platter.raw");
        Files.deleteIfExists(out);
        Cli.Result r = Cli.run("convert", "-O", "raw", path(image), out.toString());
        assertEquals(0, r.exit(), r.err());
        Tool.Result cmp = Tool.run("qemu-img", "compare", "-f", "raw", "-F", "vmdk", out.toString(), path(image));
        assertEquals("Images are identical.\n", cmp.stdout(), image + ": " + cmp.stderr());
        Files.delete(out);
    }

    /** A missing extent file: qemu-img's two-layer message. */
    @org.junit.jupiter.api.Test
    void missingExtentFile() throws IOException {
        Files.writeString(dir.resolve("missing.vmdk"), "# Disk DescriptorFile\nversion=1\nCID=00000001\n"
                + "parentCID=ffffffff\ncreateType=\"monolithicFlat\"\nRW 8 FLAT \"missing-flat.vmdk\" 0\n");
        QemuImgOracle.sameAs("info", path("missing.vmdk"));
        QemuImgOracle.sameAs("map", path("missing.vmdk"));
    }

    /** A delta disk whose parent changed (its CID no longer parentCID): qemu-img refuses to read it, so does Platter. */
    @org.junit.jupiter.api.Test
    void staleParentIsRefused() throws IOException {
        Files.copy(dir.resolve("monolithicSparse.vmdk"), dir.resolve("stale-parent.vmdk"));
        QemuImgOracle.run("create", "-f", "vmdk", "-b", "stale-parent.vmdk", "-F", "vmdk", path("stale.vmdk"));
        byte[] parent = Files.readAllBytes(dir.resolve("stale-parent.vmdk"));
        String text = new String(parent, 512, 1024, StandardCharsets.ISO_8859_1);
        int at = 512 + text.indexOf("CID=") + 4;
        System.arraycopy("0badcafe".getBytes(StandardCharsets.US_ASCII), 0, parent, at, 8);
        Files.write(dir.resolve("stale-parent.vmdk"), parent);
        Tool.Result q = Tool.run("qemu-img", "convert", "-O", "raw", path("stale.vmdk"), path("stale-q.raw"));
        assertEquals(1, q.exitCode(), q.stderr());
        Cli.Result p = Cli.run("convert", "-O", "raw", path("stale.vmdk"), path("stale-p.raw"));
        assertEquals(1, p.exit());
        assertTrue(p.err().contains("does not match the CID 0badcafe of the parent 'stale-parent.vmdk'"), p.err());
    }
}
