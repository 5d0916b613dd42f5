package dev.platter.cli;

import dev.platter.core.image.Images;
import dev.platter.core.storage.FileStorage;
import dev.platter.core.storage.Storage;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every format qemu-img probes is recognised as qemu-img recognises it, and read as qemu-img reads it (vmdk, vpc,
 * vhdx, vdi, qed, parallels, qcow; bochs, cloop and dmg from their headers or name); a fixed VHD is raw for both
 * (its only footer is at the end), and info notes the footer. A LUKS header that does not parse is an error naming it, never
 * read as raw.
 */
@RequiresTool({"qemu-img", "qemu-io"})
class RecognizedFormatsTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"subformat=dynamic", "subformat=fixed"})
    void vpcIsProbedAsQemuImgProbesIt(String options) throws Exception {
        Path file = dir.resolve("disk.vhd");
        Tool.run("qemu-img", "create", "-q", "-f", "vpc", "-o", options, file.toString(), "4M").ok();
        String qemu = qemuFormat(file);
        try (Storage s = FileStorage.open(file, true)) {
            assertEquals(qemu, Images.probe(s).name(), options);
        }
        Cli.Result info = Cli.run("info", file.toString());
        assertEquals(0, info.exit(), info.err());
        assertTrue(info.out().contains("file format: " + qemu), info.out());
        if (qemu.equals("raw")) {
            assertEquals("platter: note: '" + file + "' has a fixed VHD footer at the end (vpc), which probing does "
                    + "not look for: it is read as raw, as qemu-img reads it; -f vpc reads it as vpc\n",
                    info.err(), "a fixed VHD is raw, and info says what else it sees");
        } else {
            assertEquals("vpc", qemu);
            assertEquals("", info.err());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"subformat=monolithicSparse", "subformat=monolithicFlat", "subformat=streamOptimized",
        "subformat=twoGbMaxExtentSparse", "subformat=twoGbMaxExtentFlat", "zeroed_grain=on"})
    void vmdkIsProbedAndReadAsQemuImgReadsIt(String options) throws Exception {
        Path file = dir.resolve("disk.vmdk");
        List<String> create = new ArrayList<>(List.of("qemu-img", "create", "-q", "-f", "vmdk"));
        create.add("-o");
        create.add(options);
        create.add(file.toString());
        create.add("4M");
        Tool.run(create.toArray(new String[0])).ok();
        Tool.run("qemu-io", "-f", "vmdk", "-c", "write -P 0x2a 1M 128k", file.toString()).ok();
        assertEquals("vmdk", qemuFormat(file));
        try (Storage s = FileStorage.open(file, true)) {
            assertEquals("vmdk", Images.probe(s).name(), options);
        }
        Cli.Result info = Cli.run("info", file.toString());
        assertEquals(0, info.exit(), info.err());
        assertEquals(Tool.run("qemu-img", "info", file.toString()).ok().stdout(), info.out());
        Path out = dir.resolve("out.raw");
        Cli.Result convert = Cli.run("convert", "-O", "raw", file.toString(), out.toString());
        assertEquals(0, convert.exit(), convert.err());
        assertEquals("Images are identical.\n", Tool.run("qemu-img", "compare", "-f", "raw", "-F", "vmdk",
                out.toString(), file.toString()).ok().stdout());
    }

    @ParameterizedTest
    @ValueSource(strings = {"subformat=dynamic", "subformat=fixed", "block_state_zero=off"})
    void vhdxIsProbedAndReadAsQemuImgReadsIt(String options) throws Exception {
        Path file = dir.resolve("disk.vhdx");
        Tool.run("qemu-img", "create", "-q", "-f", "vhdx", "-o", options, file.toString(), "4M").ok();
        Tool.run("qemu-io", "-f", "vhdx", "-c", "write -P 0x2a 1M 128k", file.toString()).ok();
        assertEquals("vhdx", qemuFormat(file));
        try (Storage s = FileStorage.open(file, true)) {
            assertEquals("vhdx", Images.probe(s).name(), options);
        }
        Cli.Result info = Cli.run("info", file.toString());
        assertEquals(0, info.exit(), info.err());
        assertEquals(Tool.run("qemu-img", "info", file.toString()).ok().stdout(), info.out());
        Path out = dir.resolve("out.raw");
        Cli.Result convert = Cli.run("convert", "-O", "raw", file.toString(), out.toString());
        assertEquals(0, convert.exit(), convert.err());
        assertEquals("Images are identical.\n", Tool.run("qemu-img", "compare", "-f", "raw", "-F", "vhdx",
                out.toString(), file.toString()).ok().stdout());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"vdi|static=off", "vdi|static=on", "qed|cluster_size=4k",
        "parallels|cluster_size=64k", "qcow|encryption=off"})
    void newlyReadFormatsAreProbedAndReadAsQemuImgReadsThem(String format, String options) throws Exception {
        Path file = dir.resolve("disk." + format);
        Tool.run("qemu-img", "create", "-q", "-f", format, "-o", options, file.toString(), "4M").ok();
        Tool.run("qemu-io", "-f", format, "-c", "write -P 0x2a 1M 128k", file.toString()).ok();
        assertEquals(format, qemuFormat(file));
        try (Storage s = FileStorage.open(file, true)) {
            assertEquals(format, Images.probe(s).name(), options);
        }
        Cli.Result info = Cli.run("info", file.toString());
        assertEquals(0, info.exit(), info.err());
        assertEquals(Tool.run("qemu-img", "info", file.toString()).ok().stdout(), info.out());
        Path out = dir.resolve("out.raw");
        Cli.Result convert = Cli.run("convert", "-O", "raw", file.toString(), out.toString());
        assertEquals(0, convert.exit(), convert.err());
        assertEquals("Images are identical.\n", Tool.run("qemu-img", "compare", "-f", "raw", "-F", format,
                out.toString(), file.toString()).ok().stdout());
    }

    /** Formats qemu-img cannot create, recognised from their headers (and dmg by name), as qemu's probes do. */
    @Test
    void readOnlyFormatsByTheirHeaders() throws Exception {
        ByteBuffer bochs = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        bochs.put("Bochs Virtual HD Image".getBytes(StandardCharsets.US_ASCII)).position(32);
        bochs.put("Redolog".getBytes(StandardCharsets.US_ASCII)).position(48);
        bochs.put("Growing".getBytes(StandardCharsets.US_ASCII)).putInt(64, 0x00020000);
        assertEquals("bochs", probe("a.img", bochs.array()));
        bochs.putInt(64, 3);
        assertEquals("raw", probe("b.img", bochs.array()));
        byte[] cloop = ("#!/bin/sh\n#V2.0 Format\nmodprobe cloop file=$0 && mount -r -t iso9660 /dev/cloop $1\n"
                + "rest").getBytes(StandardCharsets.US_ASCII);
        assertEquals("cloop", probe("c.img", cloop));
        assertEquals("dmg", probe("d.dmg", new byte[4096]));
        assertEquals("raw", probe("d.img", new byte[4096]));
        byte[] luks1 = new byte[4096];
        System.arraycopy(new byte[] {'L', 'U', 'K', 'S', (byte) 0xba, (byte) 0xbe, 0, 1}, 0, luks1, 0, 8);
        assertEquals("luks", probe("l.img", luks1));
        Cli.Result info = Cli.run("info", dir.resolve("l.img").toString());
        assertEquals(1, info.exit());
        assertTrue(info.err().startsWith("platter: corrupt LUKS header at offset "), info.err());
        assertEquals(1, info.err().lines().count(), "a one-line error naming the structure, never read as raw");
        luks1[7] = 2; // qemu 7.2 reads no LUKS2 header: raw, as qemu-img says
        assertEquals("raw", probe("l2.img", luks1));
        assertEquals("raw", probe("empty.dmg", new byte[0]));
    }

    private String probe(String name, byte[] content) throws Exception {
        Path f = dir.resolve(name);
        Files.write(f, content);
        try (Storage s = FileStorage.open(f, true)) {
            return Images.probe(s).name();
        }
    }

    private static String qemuFormat(Path file) {
        String json = Tool.run("qemu-img", "info", "--output=json", file.toString()).ok().stdout();
        Matcher m = Pattern.compile("\"format\": \"([^\"]+)\"").matcher(json);
        assertTrue(m.find(), json);
        return m.group(1);
    }
}
