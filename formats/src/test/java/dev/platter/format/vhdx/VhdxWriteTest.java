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
import java.nio.ByteOrder;
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
 * The write side against qemu-img: disks Platter creates are qemu-img's byte for byte (but the random GUIDs,
 * sequence number and the checksums over them), what Platter converts into either subformat qemu-img compares
 * equal and checks clean, qemu-img's disks convert back byte for byte, and guest writes through the API leave the
 * same content as the same writes by qemu-io on a twin disk.
 */
@RequiresTool({"qemu-img", "qemu-io"})
class VhdxWriteTest {
    @TempDir
    static Path dir;
    static Path source;

    /** 21 MiB + 1 KiB: text, random bytes, zeros, a short last block. */
    @BeforeAll
    static void source() throws IOException {
        byte[] data = new byte[(21 << 20) + 1024];
        Random r = new Random(11);
        byte[] text = "platter writes vhdx; ".repeat(4000).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, data, 0, text.length);
        for (int i = 9 << 20; i < (9 << 20) + 300_000; i++) {
            data[i] = (byte) r.nextInt();
        }
        Arrays.fill(data, data.length - 700, data.length, (byte) 0x5a);
        source = dir.resolve("src.raw");
        Files.write(source, data);
    }

    static void convert(Path from, Path to, String fromFormat, String toFormat, Map<String, String> options)
            throws IOException {
        ConvertOptions o = ConvertOptions.builder(List.of(from), to).sourceFormat(fromFormat).targetFormat(toFormat)
                .createOptions(options).workers(2).build();
        Convert.run(o, dev.platter.core.ProgressListener.NONE);
    }

    /**
     * Blanks what qemu makes random (header sequence numbers, GUIDs and checksums, the page 83 GUID) and the creator
     * string, which names the program that made the file.
     */
    static byte[] withoutRandomFields(byte[] file) {
        byte[] b = file.clone();
        Arrays.fill(b, 8, 8 + 512, (byte) 0);
        for (long h : new long[] {64 << 10, 128 << 10}) {
            Arrays.fill(b, (int) h + 4, (int) h + 48, (byte) 0);
        }
        ByteBuffer le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long metadata = le.getLong((192 << 10) + 16 + 32 + 16);
        Arrays.fill(b, (int) metadata + (64 << 10) + 16, (int) metadata + (64 << 10) + 32, (byte) 0);
        return b;
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "subformat=fixed", "block_state_zero=off", "subformat=fixed,block_state_zero=off",
        "block_size=1M,log_size=2M", "block_size=256M", "block_size=32M,subformat=dynamic,block_state_zero=on",
        "log_size=100", "block_size=512M"})
    void createIsQemuImgsByteForByte(String options) throws IOException {
        for (long size : new long[] {100L << 20, (3L << 20) + 1000, 5L << 30}) {
            if (options.contains("fixed") && size > (1L << 30)) {
                continue;
            }
            Path mine = dir.resolve("mine.vhdx");
            Path theirs = dir.resolve("theirs.vhdx");
            new VhdxFormat().create(mine, size, CreateOptions.of(CreateOptions.parseList(options)));
            List<String> cmd = new ArrayList<>(List.of("qemu-img", "create", "-q", "-f", "vhdx"));
            if (!options.isEmpty()) {
                cmd.addAll(List.of("-o", options));
            }
            cmd.addAll(List.of(theirs.toString(), Long.toString(size)));
            Tool.run(cmd.toArray(String[]::new)).ok();
            assertEquals(Files.size(theirs), Files.size(mine), options + " " + size + ": file size");
            byte[] a = withoutRandomFields(Files.readAllBytes(mine));
            byte[] b = withoutRandomFields(Files.readAllBytes(theirs));
            int d = Arrays.mismatch(a, b);
            assertEquals(-1, d, options + " " + size + ": first difference at byte " + d);
            Tool.run("qemu-img", "check", mine.toString()).ok();
        }
    }

    @Test
    void createRefusesWhatQemuRefuses() {
        VhdxFormat f = new VhdxFormat();
        Map<String, String> messages = Map.of(
                "block_size=3M", "Block size must be a power of two",
                "subformat=diff", "Parameter 'subformat' does not accept value 'diff'",
                "backing_file=x.vhdx", "Backing file not supported for file format 'vhdx'");
        for (Map.Entry<String, String> m : messages.entrySet()) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalArgumentException.class, () -> f.create(dir.resolve("bad.vhdx"), 1 << 20,
                            CreateOptions.of(CreateOptions.parseList(m.getKey()))));
            assertEquals(m.getValue(), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"subformat=dynamic", "subformat=fixed", "subformat=dynamic,block_state_zero=off",
        "subformat=fixed,block_state_zero=off", "block_size=1M", "block_size=64M"})
    void convertedDisksCompareEqualAndCheckClean(String options) throws IOException {
        Path target = dir.resolve("c-" + options.replace(',', '_').replace('=', '_') + ".vhdx");
        convert(source, target, "raw", "vhdx", CreateOptions.parseList(options));
        assertEquals("Images are identical.", Tool.run("qemu-img", "compare", "-f", "raw", "-F", "vhdx",
                source.toString(), target.toString()).ok().stdout().strip());
        assertTrue(Tool.run("qemu-img", "check", target.toString()).ok().stdout().contains("No errors"));
        Path back = dir.resolve("c-back.raw");
        convert(target, back, "vhdx", "raw", Map.of());
        assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(back));
    }

    @ParameterizedTest
    @ValueSource(strings = {"subformat=dynamic", "subformat=fixed", "subformat=fixed,block_state_zero=off",
        "block_size=1M"})
    void qemuImgsDisksConvertBackByteForByte(String options) throws IOException {
        Path theirs = dir.resolve("q.vhdx");
        Tool.run("qemu-img", "convert", "-f", "raw", "-O", "vhdx", "-o", options, source.toString(),
                theirs.toString()).ok();
        Path back = dir.resolve("q.raw");
        convert(theirs, back, "vhdx", "raw", Map.of());
        assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(back));
    }

    /** The same random writes by Platter (through the API) and by qemu-io, on twin disks, read back the same. */
    @ParameterizedTest
    @ValueSource(strings = {"subformat=dynamic", "subformat=fixed", "subformat=fixed,block_state_zero=off",
        "block_state_zero=off,block_size=1M"})
    void guestWritesMatchQemuIo(String options) throws IOException {
        String name = options.replace(',', '_').replace('=', '_');
        Path mine = dir.resolve("gw-" + name + ".vhdx");
        Path theirs = dir.resolve("gwq-" + name + ".vhdx");
        long size = (40L << 20) + (3 << 10);
        for (Path p : List.of(mine, theirs)) {
            Tool.run("qemu-img", "create", "-q", "-f", "vhdx", "-o", options, p.toString(), Long.toString(size))
                    .ok();
        }
        Random r = new Random(options.hashCode());
        List<String> io = new ArrayList<>();
        try (Image img = Images.open(mine, OpenOptions.readWriteDefaults())) {
            for (int i = 0; i < 40; i++) {
                long pos = (r.nextLong() & Long.MAX_VALUE) % (size - 300_000) / 512 * 512;
                int len = (1 + r.nextInt(500)) * 512;
                int pattern = 1 + r.nextInt(250);
                if (i % 7 == 5) {
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
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", "vhdx"));
        for (String c : io) {
            cmd.add("-c");
            cmd.add(c);
        }
        cmd.add(theirs.toString());
        Tool.run(cmd.toArray(String[]::new)).ok();
        assertEquals("Images are identical.", Tool.run("qemu-img", "compare", mine.toString(), theirs.toString())
                .ok().stdout().strip());
        assertTrue(Tool.run("qemu-img", "check", mine.toString()).ok().stdout().contains("No errors"));
    }
}
