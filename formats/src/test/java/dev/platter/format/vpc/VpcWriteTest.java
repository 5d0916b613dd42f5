package dev.platter.format.vpc;

import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.capability.AzureUpload;
import dev.platter.operation.Convert;
import dev.platter.operation.ConvertOptions;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * VHDs written by Platter next to qemu-img's: create makes qemu-img's bytes (but for the unique id, the timestamp
 * and so the checksum), converted disks compare equal in qemu-img and read equal in libvhdi, qemu-img's disks
 * convert back byte for byte, and guest writes through the API leave the same file as the same writes by qemu-io.
 */
@RequiresTool({"qemu-img", "qemu-io"})
class VpcWriteTest {
    @TempDir
    static Path dir;
    static Path source;

    /** 5 MiB + 1 KiB: text, random bytes, zeros, a short tail. */
    @BeforeAll
    static void source() throws IOException {
        byte[] data = new byte[(5 << 20) + 1024];
        Random r = new Random(7);
        byte[] text = "platter writes vhd; ".repeat(4000).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, data, 0, text.length);
        for (int i = 2 << 20; i < (2 << 20) + 300_000; i++) {
            data[i] = (byte) r.nextInt();
        }
        Arrays.fill(data, data.length - 700, data.length, (byte) 0x5a);
        source = dir.resolve("src.raw");
        Files.write(source, data);
    }

    static void convert(Path from, Path to, String fromFormat, String toFormat, Map<String, String> options)
            throws IOException {
        ConvertOptions o = ConvertOptions.builder(List.of(from), to).sourceFormat(fromFormat).targetFormat(toFormat)
                .createOptions(options).build();
        Convert.run(o, dev.platter.core.ProgressListener.NONE);
    }

    /** A footer with the random and time fields (timestamp, checksum, unique id) blanked. */
    static byte[] blankFooter(byte[] file, int at) {
        byte[] b = file.clone();
        Arrays.fill(b, at + 24, at + 28, (byte) 0);
        Arrays.fill(b, at + 64, at + 84, (byte) 0);
        return b;
    }

    static byte[] comparable(Path vhd, boolean fixed) throws IOException {
        if (fixed) {
            long size = Files.size(vhd);
            try (var ch = java.nio.channels.FileChannel.open(vhd)) {
                ByteBuffer tail = ByteBuffer.allocate(512);
                ch.read(tail, size - 512);
                byte[] t = blankFooter(tail.array(), 0);
                return ByteBuffer.allocate(520).putLong(size).put(t).array();
            }
        }
        byte[] all = Files.readAllBytes(vhd);
        all = blankFooter(all, 0);
        return blankFooter(all, all.length - 512);
    }

    @ParameterizedTest
    @CsvSource({"'', 100M", "'', 3000", "'', 0", "'', 10G", "force_size=on, 100M", "force_size=on, 3000",
        "subformat=fixed, 100M", "subformat=fixed, 3000", "'subformat=fixed,force_size=on', 10M",
        "subformat=dynamic, 127G"})
    void createIsQemuImgsByteForByte(String options, String size) throws IOException {
        Path mine = dir.resolve("mine.vhd");
        Path theirs = dir.resolve("theirs.vhd");
        Files.deleteIfExists(mine);
        Files.deleteIfExists(theirs);
        List<String> cmd = new ArrayList<>(List.of("qemu-img", "create", "-q", "-f", "vpc"));
        if (!options.isEmpty()) {
            cmd.addAll(List.of("-o", options));
        }
        cmd.addAll(List.of(theirs.toString(), size));
        Tool.run(cmd.toArray(String[]::new)).ok();
        new VpcFormat().create(mine, dev.platter.core.Sizes.parse(size),
                CreateOptions.of(CreateOptions.parseList(options)));
        boolean fixed = options.contains("fixed");
        assertArrayEquals(comparable(theirs, fixed), comparable(mine, fixed), options + " " + size);
        byte[] footer = new byte[512];
        try (var ch = java.nio.channels.FileChannel.open(mine)) {
            ch.read(ByteBuffer.wrap(footer), Files.size(mine) - 512);
        }
        assertTrue(VhdFooter.of(footer).checksumValid());
        assertEquals(Tool.run("qemu-img", "info", "--output=json", "-f", "vpc", theirs.toString()).ok().stdout()
                        .replaceAll("\"actual-size\": \\d+", "").replace(theirs.toString(), "F"),
                Tool.run("qemu-img", "info", "--output=json", "-f", "vpc", mine.toString()).ok().stdout()
                        .replaceAll("\"actual-size\": \\d+", "").replace(mine.toString(), "F"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "subformat=fixed", "force_size=on", "subformat=fixed,force_size=on", "azure=on"})
    void convertedDisksCompareEqualInQemuImg(String options) throws IOException {
        Path target = dir.resolve("conv-" + options.replace(',', '_').replace('=', '_') + ".vhd");
        convert(source, target, "raw", "vpc", CreateOptions.parseList(options));
        // CHS and azure=on round the size up: qemu-img warns, and compares the tail as zeros
        assertTrue(Tool.run("qemu-img", "compare", "-f", "raw", "-F", "vpc", source.toString(), target.toString())
                .ok().stdout().strip().endsWith("Images are identical."), options);
    }

    /** convert -O vpc writes the blocks where qemu-img convert writes them: the same file but the random fields. */
    @ParameterizedTest
    @ValueSource(strings = {"dynamic", "fixed", "dynamic,force_size=on"})
    void convertIsQemuImgsByteForByte(String options) throws IOException {
        String name = options.replace(',', '_').replace('=', '_');
        Path mine = dir.resolve("cm-" + name + ".vhd");
        Path theirs = dir.resolve("cq-" + name + ".vhd");
        Tool.run("qemu-img", "convert", "-f", "raw", "-O", "vpc", "-o", "subformat=" + options, source.toString(),
                theirs.toString()).ok();
        convert(source, mine, "raw", "vpc", CreateOptions.parseList("subformat=" + options));
        if (options.startsWith("fixed")) {
            assertArrayEquals(Files.readAllBytes(theirs), blankFixedFooter(Files.readAllBytes(mine),
                    Files.readAllBytes(theirs)), options);
        } else {
            assertArrayEquals(comparable(theirs, false), comparable(mine, false), options);
        }
    }

    /** {@code mine} with the random fields of its footer taken from {@code theirs}. */
    private static byte[] blankFixedFooter(byte[] mine, byte[] theirs) {
        byte[] out = mine.clone();
        int at = out.length - 512;
        if (theirs.length == mine.length) {
            System.arraycopy(theirs, at + 24, out, at + 24, 4);
            System.arraycopy(theirs, at + 64, out, at + 64, 20);
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"dynamic", "fixed"})
    void qemuImgsDisksConvertBackByteForByte(String subformat) throws IOException {
        Path theirs = dir.resolve("q-" + subformat + ".vhd");
        Tool.run("qemu-img", "convert", "-f", "raw", "-O", "vpc", "-o", "subformat=" + subformat,
                source.toString(), theirs.toString()).ok();
        Path back = dir.resolve("back-" + subformat + ".raw");
        Path qemuBack = dir.resolve("qback-" + subformat + ".raw");
        convert(theirs, back, "vpc", "raw", Map.of());
        Tool.run("qemu-img", "convert", "-f", "vpc", "-O", "raw", theirs.toString(), qemuBack.toString()).ok();
        assertArrayEquals(Files.readAllBytes(qemuBack), Files.readAllBytes(back), subformat);
    }

    /**
     * The same writes by Platter (through the API) and by qemu-io, on twin disks, read the same; without zero writes
     * the files are the same byte for byte (qemu allocates a block to write zeros into; Platter leaves a block it
     * does not have, which reads as zeros already).
     */
    @ParameterizedTest
    @CsvSource({"dynamic, false", "fixed, false", "dynamic, true", "fixed, true"})
    void guestWritesMatchQemuIo(String subformat, boolean zeroWrites) throws IOException {
        Path mine = dir.resolve("gw-" + subformat + zeroWrites + ".vhd");
        Path theirs = dir.resolve("gwq-" + subformat + zeroWrites + ".vhd");
        long size = 64L << 20;
        Tool.run("qemu-img", "create", "-q", "-f", "vpc", "-o", "subformat=" + subformat, mine.toString(),
                Long.toString(size)).ok();
        Files.copy(mine, theirs, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Random r = new Random(subformat.hashCode());
        List<String> io = new ArrayList<>();
        try (Image img = Images.open(mine, OpenOptions.readWriteDefaults().withFormat("vpc"))) {
            long virtual = img.size();
            for (int i = 0; i < 40; i++) {
                long pos = (r.nextLong() & Long.MAX_VALUE) % (virtual - 300_000) / 512 * 512;
                if (i % 10 == 3) {
                    pos = (4L << 20) - 4096; // across a block boundary
                }
                int len = (1 + r.nextInt(500)) * 512;
                int pattern = 1 + r.nextInt(250);
                if (zeroWrites && i % 7 == 5) {
                    img.writeZeroes(pos, len);
                    io.add("write -z " + pos + " " + len);
                } else {
                    byte[] b = new byte[len];
                    Arrays.fill(b, (byte) pattern);
                    img.write(pos, ByteBuffer.wrap(b));
                    io.add("write -P " + pattern + " " + pos + " " + len);
                }
                if (i % 13 == 0) {
                    img.flush();
                }
            }
        }
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", "vpc"));
        for (String c : io) {
            cmd.add("-c");
            cmd.add(c);
        }
        cmd.add(theirs.toString());
        Tool.run(cmd.toArray(String[]::new)).ok();
        assertEquals("Images are identical.", Tool.run("qemu-img", "compare", "-f", "vpc", "-F", "vpc",
                mine.toString(), theirs.toString()).ok().stdout().strip());
        if (!zeroWrites || subformat.equals("fixed")) {
            assertArrayEquals(Files.readAllBytes(theirs), Files.readAllBytes(mine),
                    "the same blocks in the same places, the same footer");
        }
    }

    /** Azure's size rule, read from the footer: fixed, current size a whole number of MiB, the file that plus 512. */
    @ParameterizedTest
    @ValueSource(longs = {10_000_000L, 1L << 20, 3000, 100L << 20})
    void azureOnMakesWhatAzureAccepts(long requested) throws IOException {
        Path p = dir.resolve("azure-" + requested + ".vhd");
        new VpcFormat().create(p, requested, CreateOptions.of(Map.of("azure", "on")));
        long mib = 1L << 20;
        long expected = (requested + mib - 1) / mib * mib;
        byte[] footer = new byte[512];
        try (var ch = java.nio.channels.FileChannel.open(p)) {
            ch.read(ByteBuffer.wrap(footer), Files.size(p) - 512);
        }
        ByteBuffer f = ByteBuffer.wrap(footer);
        assertEquals("conectix", new String(footer, 0, 8, StandardCharsets.US_ASCII));
        assertEquals(2, f.getInt(60), "disk type fixed");
        assertEquals(expected, f.getLong(48), "current size");
        assertEquals(0, f.getLong(48) % mib, "a whole number of MiB");
        assertEquals(expected + 512, Files.size(p), "the footer right after the data");
        assertTrue(VhdFooter.of(footer).checksumValid());
        try (Image img = Images.open(p, OpenOptions.readOnlyDefaults().withFormat("vpc"))) {
            assertEquals(expected, img.size());
            assertEquals(List.of(), img.capability(AzureUpload.class).orElseThrow().azureProblems());
        }
        assertTrue(Tool.run("qemu-img", "info", "-f", "vpc", p.toString()).ok().stdout()
                .contains("(" + expected + " bytes)"));
    }

    @Test
    void qemuImgsDefaultDisksAreNotAzureReady() throws IOException {
        Path dyn = dir.resolve("az-dyn.vhd");
        Path fixed = dir.resolve("az-fixed.vhd");
        Tool.run("qemu-img", "create", "-q", "-f", "vpc", dyn.toString(), "100M").ok();
        Tool.run("qemu-img", "create", "-q", "-f", "vpc", "-o", "subformat=fixed", fixed.toString(), "100M").ok();
        try (Image img = Images.open(dyn, OpenOptions.readOnlyDefaults().withFormat("vpc"))) {
            List<String> p = img.capability(AzureUpload.class).orElseThrow().azureProblems();
            assertTrue(p.get(0).contains("fixed VHDs only"), p.toString());
        }
        try (Image img = Images.open(fixed, OpenOptions.readOnlyDefaults().withFormat("vpc"))) {
            List<String> p = img.capability(AzureUpload.class).orElseThrow().azureProblems();
            assertEquals(1, p.size(), p.toString());
            assertTrue(p.get(0).contains("104865792 is not a whole number of MiB"), p.toString());
        }
    }
}
