package dev.platter.format.vmdk;

import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.capability.CompressedWrites;
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
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The write side against the oracles: disks Platter creates are qemu-img's byte for byte (but the random CID and
 * the file names), what Platter converts into every subformat qemu-img compares equal, checks clean and libvmdk
 * reads back equal, and guest writes through the API leave the same disk content as the same writes by qemu-io.
 */
@RequiresTool({"qemu-img", "qemu-io", "vmdkinfo"})
class VmdkWriteTest {
    static final String[] SUBFORMATS = {"monolithicSparse", "monolithicFlat", "twoGbMaxExtentSparse",
        "twoGbMaxExtentFlat", "streamOptimized"};

    @TempDir
    static Path dir;
    static Path source;

    /** 5 MiB + 1 KiB: text, random bytes (incompressible), zeros, a short last grain. */
    @BeforeAll
    static void source() throws IOException {
        byte[] data = new byte[(5 << 20) + 1024];
        Random r = new Random(7);
        byte[] text = "platter writes vmdk; ".repeat(4000).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, data, 0, text.length);
        for (int i = 2 << 20; i < (2 << 20) + 300_000; i++) {
            data[i] = (byte) r.nextInt();
        }
        System.arraycopy(text, 0, data, (4 << 20) + 4096, 10_000);
        Arrays.fill(data, data.length - 700, data.length, (byte) 0x5a);
        source = dir.resolve("src.raw");
        Files.write(source, data);
    }

    static void convert(Path from, Path to, String fromFormat, Map<String, String> options, int workers)
            throws IOException {
        ConvertOptions o = ConvertOptions.builder(List.of(from), to).sourceFormat(fromFormat).targetFormat("vmdk")
                .createOptions(options).workers(workers).build();
        Convert.run(o, dev.platter.core.ProgressListener.NONE);
    }

    /**
     * A file's bytes as text with the random CID blanked; NULs are dropped, since a CID of fewer digits leaves its
     * descriptor shorter and the NUL padding after it longer (the bytes outside the descriptor are compared apart).
     */
    static String withoutCids(String text) {
        return text.replaceAll("(?m)^CID=[0-9a-f]+\n", "CID=\n").replace("\0", "");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "adapter_type=lsilogic,hwversion=14,toolsversion=123", "zeroed_grain=on",
        "compat6=on,adapter_type=buslogic", "subformat=monolithicFlat", "subformat=twoGbMaxExtentSparse",
        "subformat=twoGbMaxExtentFlat,adapter_type=legacyESX"})
    void createIsQemuImgsByteForByte(String options) throws IOException {
        Path mine = dir.resolve("mine-" + options.hashCode());
        Path theirs = dir.resolve("theirs-" + options.hashCode());
        Files.createDirectories(mine);
        Files.createDirectories(theirs);
        long size = 5L << 30; // three extents when split
        new VmdkFormat().create(mine.resolve("d.vmdk"), size, CreateOptions.of(CreateOptions.parseList(options)));
        List<String> cmd = new ArrayList<>(List.of("qemu-img", "create", "-q", "-f", "vmdk"));
        if (!options.isEmpty()) {
            cmd.addAll(List.of("-o", options));
        }
        cmd.addAll(List.of(theirs.resolve("d.vmdk").toString(), Long.toString(size)));
        Tool.run(cmd.toArray(String[]::new)).ok();
        List<Path> files;
        try (var s = Files.list(theirs)) {
            files = s.map(Path::getFileName).sorted().toList();
        }
        try (var s = Files.list(mine)) {
            assertEquals(files, s.map(Path::getFileName).sorted().toList());
        }
        for (Path f : files) {
            if (Files.size(mine.resolve(f)) > (64 << 20)) {
                assertEquals(Files.size(theirs.resolve(f)), Files.size(mine.resolve(f)), f.toString());
                continue; // a flat extent: empty, only its size matters
            }
            byte[] a = Files.readAllBytes(mine.resolve(f));
            byte[] b = Files.readAllBytes(theirs.resolve(f));
            if (a.length >= 512 && a[0] == 'K') {
                assertEquals(b.length, a.length, f.toString());
                assertArrayEquals(Arrays.copyOf(b, 512), Arrays.copyOf(a, 512), f + ": the header");
                assertArrayEquals(Arrays.copyOfRange(b, 21 * 512, b.length), Arrays.copyOfRange(a, 21 * 512,
                        a.length), f + ": directories and tables");
            }
            String ta = withoutCids(new String(a, StandardCharsets.ISO_8859_1));
            String tb = withoutCids(new String(b, StandardCharsets.ISO_8859_1));
            int d = 0;
            while (d < Math.min(ta.length(), tb.length()) && ta.charAt(d) == tb.charAt(d)) {
                d++;
            }
            assertEquals(tb.length(), ta.length(), f + " first differs at " + d + ": "
                    + tb.substring(Math.max(0, d - 20), Math.min(tb.length(), d + 20)) + " / "
                    + ta.substring(Math.max(0, d - 20), Math.min(ta.length(), d + 20)));
            assertEquals(tb, ta, f + ": differs from qemu-img's beyond the CID");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"monolithicSparse", "monolithicFlat", "twoGbMaxExtentSparse", "twoGbMaxExtentFlat",
        "streamOptimized", "monolithicSparse,zeroed_grain=on", "streamOptimized,compression_level=9"})
    void convertedDisksCompareEqualCheckCleanAndReadEqualInLibvmdk(String options) throws IOException {
        Path target = dir.resolve("c-" + options.replace(',', '_').replace('=', '_') + ".vmdk");
        convert(source, target, "raw", CreateOptions.parseList("subformat=" + options), 4);
        assertEquals("Images are identical.", Tool.run("qemu-img", "compare", "-f", "raw", "-F", "vmdk",
                source.toString(), target.toString()).ok().stdout().strip());
        assertTrue(Tool.run("qemu-img", "check", target.toString()).ok().stdout().contains("No errors"));
        byte[] libvmdk = VmdkMatchesLibvmdkTest.libvmdk(target);
        assertArrayEquals(Files.readAllBytes(source), libvmdk, options);
    }

    @Test
    void theStreamIsTheSameWhateverTheWorkers() throws IOException {
        Path one = dir.resolve("w1.vmdk");
        Path eight = dir.resolve("w8.vmdk");
        convert(source, one, "raw", Map.of("subformat", "streamOptimized"), 1);
        convert(source, eight, "raw", Map.of("subformat", "streamOptimized"), 8);
        byte[] a = Files.readAllBytes(one);
        byte[] b = Files.readAllBytes(eight);
        assertEquals(a.length, b.length);
        // Only the descriptor (random IDs) may differ: sectors 1-20.
        Arrays.fill(a, 512, 21 * 512, (byte) 0);
        Arrays.fill(b, 512, 21 * 512, (byte) 0);
        assertArrayEquals(a, b);
    }

    @Test
    void aHigherLevelMakesASmallerStream() throws IOException {
        // Text of random words: compressible, and more so with more effort.
        String[] words = {"grain", "table", "directory", "marker", "stream", "extent", "sector", "zlib", "vmdk"};
        Random r = new Random(3);
        StringBuilder sb = new StringBuilder();
        while (sb.length() < (2 << 20)) {
            sb.append(words[r.nextInt(words.length)]).append(r.nextInt(100)).append(' ');
        }
        Path text = dir.resolve("words.raw");
        Files.write(text, Arrays.copyOf(sb.toString().getBytes(StandardCharsets.US_ASCII), 2 << 20));
        Path fast = dir.resolve("l1.vmdk");
        Path best = dir.resolve("l9.vmdk");
        convert(text, fast, "raw", Map.of("subformat", "streamOptimized", "compression_level", "1"), 2);
        convert(text, best, "raw", Map.of("subformat", "streamOptimized", "compression_level", "9"), 2);
        assertTrue(Files.size(best) < Files.size(fast), Files.size(best) + " vs " + Files.size(fast));
    }

    @ParameterizedTest
    @ValueSource(strings = {"monolithicSparse", "monolithicFlat", "twoGbMaxExtentSparse", "twoGbMaxExtentFlat",
        "streamOptimized"})
    void qemuImgsDisksConvertBackByteForByte(String subformat) throws IOException {
        Path theirs = dir.resolve("q-" + subformat + ".vmdk");
        Tool.run("qemu-img", "convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=" + subformat,
                source.toString(), theirs.toString()).ok();
        Path back = dir.resolve("q-" + subformat + ".raw");
        ConvertOptions o = ConvertOptions.builder(List.of(theirs), back).sourceFormat("vmdk").targetFormat("raw")
                .build();
        Convert.run(o, dev.platter.core.ProgressListener.NONE);
        assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(back));
    }

    /** The same random writes by Platter (through the API) and by qemu-io, on twin disks, read back the same. */
    @ParameterizedTest
    @ValueSource(strings = {"monolithicSparse", "monolithicSparse,zeroed_grain=on", "monolithicFlat",
        "twoGbMaxExtentSparse", "twoGbMaxExtentFlat"})
    void guestWritesMatchQemuIo(String options) throws IOException {
        String name = options.replace(',', '_').replace('=', '_');
        Path mine = dir.resolve("gw-" + name);
        Path theirs = dir.resolve("gwq-" + name);
        Files.createDirectories(mine);
        Files.createDirectories(theirs);
        long size = (4L << 30) + (3 << 20); // crosses the 2 GiB extent boundary when split
        Tool.run("qemu-img", "create", "-q", "-f", "vmdk", "-o", "subformat=" + options,
                mine.resolve("d.vmdk").toString(), Long.toString(size)).ok();
        Tool.run("qemu-img", "create", "-q", "-f", "vmdk", "-o", "subformat=" + options,
                theirs.resolve("d.vmdk").toString(), Long.toString(size)).ok();
        Random r = new Random(options.hashCode());
        List<String> io = new ArrayList<>();
        try (Image img = Images.open(mine.resolve("d.vmdk"), OpenOptions.readWriteDefaults())) {
            for (int i = 0; i < 40; i++) {
                long pos = (r.nextLong() & Long.MAX_VALUE) % (size - 300_000) / 512 * 512;
                if (i % 10 == 3) {
                    pos = (2L << 30) - 4096; // across the extent boundary
                }
                int len = (1 + r.nextInt(500)) * 512;
                int pattern = 1 + r.nextInt(250);
                if (i % 7 == 5) {
                    pos = pos / 65536 * 65536;
                    len = 65536 * (1 + r.nextInt(3));
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
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", "vmdk"));
        for (String c : io) {
            cmd.add("-c");
            cmd.add(c);
        }
        cmd.add(theirs.resolve("d.vmdk").toString());
        Tool.run(cmd.toArray(String[]::new)).ok();
        assertEquals("Images are identical.", Tool.run("qemu-img", "compare", mine.resolve("d.vmdk").toString(),
                theirs.resolve("d.vmdk").toString()).ok().stdout().strip());
        assertTrue(Tool.run("qemu-img", "check", mine.resolve("d.vmdk").toString()).ok().stdout()
                .contains("No errors"));
    }

    @Test
    void theFirstWriteGivesANewCidAndADeltaDiskReadsThroughItsParent() throws IOException {
        Path parent = dir.resolve("parent.vmdk");
        convert(source, parent, "raw", Map.of(), 2);
        Path child = dir.resolve("child.vmdk");
        new VmdkFormat().create(child, Files.size(source), CreateOptions.of(Map.of(
                "backing_file", "parent.vmdk", "backing_fmt", "vmdk")));
        long parentCid;
        try (Image p = Images.open(parent, OpenOptions.readOnlyDefaults());
             Image c = Images.open(child, OpenOptions.readOnlyDefaults())) {
            parentCid = ((VmdkImage) p).cid();
            assertEquals(parentCid, ((VmdkImage) c).parentCid());
        }
        byte[] patch = new byte[1000];
        Arrays.fill(patch, (byte) 9);
        try (Image c = Images.open(child, OpenOptions.readWriteDefaults())) {
            c.write(3 << 20, ByteBuffer.wrap(patch)); // a partial grain: the rest comes from the parent
        }
        byte[] expected = Files.readAllBytes(source);
        System.arraycopy(patch, 0, expected, 3 << 20, patch.length);
        Path flat = dir.resolve("child.raw");
        Files.write(flat, expected);
        assertEquals("Images are identical.", Tool.run("qemu-img", "compare", "-F", "raw", child.toString(),
                flat.toString()).ok().stdout().strip());
        try (Image c = Images.open(child, OpenOptions.readOnlyDefaults())) {
            assertEquals(parentCid, ((VmdkImage) c).parentCid(), "writing the child leaves its parentCID");
        }
        // Writing the parent changes its CID: the child no longer reads through to it.
        try (Image p = Images.open(parent, OpenOptions.readWriteDefaults())) {
            p.write(0, ByteBuffer.wrap(patch));
            assertNotEquals(parentCid, ((VmdkImage) p).cid() == parentCid ? -1 : parentCid);
        }
        try (Image p = Images.open(parent, OpenOptions.readOnlyDefaults())) {
            assertNotEquals(parentCid, ((VmdkImage) p).cid());
        }
        assertTrue(Tool.run("qemu-img", "compare", "-F", "raw", child.toString(), flat.toString()).exitCode() != 0);
    }

    /** A qcow2 chain becomes a vmdk parent and a vmdk delta disk (-B): the delta reads as the chain's top. */
    @Test
    void aChainConvertsToADeltaDiskOverAVmdkParent() throws IOException {
        Path base = dir.resolve("chain-base.raw");
        Files.copy(source, base);
        Path top = dir.resolve("chain-top.qcow2");
        Tool.run("qemu-img", "create", "-q", "-f", "qcow2", "-b", "chain-base.raw", "-F", "raw", top.toString())
                .ok();
        Tool.run("qemu-io", "-f", "qcow2", "-c", "write -P 3 1M 100k", "-c", "write -z 2M 64k", "-c",
                "write -P 4 4100k 5k", top.toString()).ok();
        Path parent = dir.resolve("chain-parent.vmdk");
        convert(base, parent, "raw", Map.of(), 2);
        Path delta = dir.resolve("chain-delta.vmdk");
        ConvertOptions o = ConvertOptions.builder(List.of(top), delta).sourceFormat("qcow2").targetFormat("vmdk")
                .backing("chain-parent.vmdk", "vmdk").build();
        Convert.run(o, dev.platter.core.ProgressListener.NONE);
        assertEquals("Images are identical.", Tool.run("qemu-img", "compare", "-f", "qcow2", "-F", "vmdk",
                top.toString(), delta.toString()).ok().stdout().strip());
        String info = Tool.run("qemu-img", "info", "--output=json", delta.toString()).ok().stdout();
        assertTrue(info.contains("\"backing-filename\": \"chain-parent.vmdk\""), info);
        assertTrue(Files.size(delta) < Files.size(parent), "the delta holds only what the top layer changed");
    }

    /** A 5 GiB disk in three 2 GiB extents, sparse and flat, round-trips with data on both extent boundaries. */
    @ParameterizedTest
    @ValueSource(strings = {"twoGbMaxExtentSparse", "twoGbMaxExtentFlat"})
    void multiExtentDisksRoundTrip(String subformat) throws IOException {
        Path big = dir.resolve("big-" + subformat + ".raw");
        try (var ch = java.nio.channels.FileChannel.open(big, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE)) {
            byte[] b = new byte[300_000];
            new Random(9).nextBytes(b);
            for (long at : new long[] {0, (2L << 30) - 150_000, (4L << 30) - 100_000, (5L << 30) - 300_000}) {
                ch.write(ByteBuffer.wrap(b), at);
            }
        }
        Path vmdk = dir.resolve("big-" + subformat + ".vmdk");
        convert(big, vmdk, "raw", Map.of("subformat", subformat), 2);
        assertEquals("Images are identical.", Tool.run("qemu-img", "compare", "-f", "raw", "-F", "vmdk",
                big.toString(), vmdk.toString()).ok().stdout().strip());
        Path back = dir.resolve("big-" + subformat + ".back.raw");
        ConvertOptions o = ConvertOptions.builder(List.of(vmdk), back).sourceFormat("vmdk").targetFormat("raw")
                .build();
        Convert.run(o, dev.platter.core.ProgressListener.NONE);
        assertEquals("Images are identical.", Tool.run("qemu-img", "compare", "-f", "raw", "-F", "raw",
                big.toString(), back.toString()).ok().stdout().strip());
    }

    /** A grain table entry that points into the metadata is never written through (it would overwrite the header). */
    @Test
    void aGrainEntryPointingIntoTheMetadataIsNotWrittenThrough() throws IOException {
        Path d = dir.resolve("hostile-entry.vmdk");
        new VmdkFormat().create(d, 1 << 20, CreateOptions.none());
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(d,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.READ)) {
            ByteBuffer h = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(h, 0);
            long gd = h.getLong(56);
            ByteBuffer e = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(e, gd * 512);
            long gt = e.getInt(0);
            // Grain 0 "lives" at sector 1: the embedded descriptor.
            ch.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 1), gt * 512);
        }
        byte[] before = Files.readAllBytes(d);
        try (Image img = Images.open(d, OpenOptions.readWriteDefaults())) {
            IOException e = assertThrows(IOException.class, () -> img.write(0, ByteBuffer.allocate(512)));
            assertTrue(e.getMessage().contains("outside the grains"), e.getMessage());
        }
        byte[] after = Files.readAllBytes(d);
        // The first write's new CID is the only change to the metadata (the descriptor's length stays).
        assertArrayEquals(Arrays.copyOf(before, 512), Arrays.copyOf(after, 512), "the header is untouched");
        assertEquals(before.length, after.length);
    }

    @Test
    void streamGrainsAreWrittenWholeAndOnce() throws IOException {
        Path s = dir.resolve("once.vmdk");
        new VmdkFormat().create(s, 1 << 20, CreateOptions.of(Map.of("subformat", "streamOptimized")));
        try (Image img = Images.open(s, OpenOptions.readWriteDefaults())) {
            CompressedWrites c = img.capability(CompressedWrites.class).orElseThrow();
            ByteBuffer grain = ByteBuffer.allocate(65536);
            grain.put(0, (byte) 1);
            c.writeCompressedCluster(65536, c.compress(grain));
            IOException twice = assertThrows(IOException.class, () -> c.writeCompressedCluster(65536,
                    c.compress(grain)));
            assertTrue(twice.getMessage().contains("Could not write to allocated cluster for streamOptimized"),
                    twice.getMessage());
            IOException partial = assertThrows(IOException.class, () -> img.write(512, ByteBuffer.allocate(512)));
            assertTrue(partial.getMessage().contains("whole grains"), partial.getMessage());
            img.write(0, ByteBuffer.allocate(65536).put(5, (byte) 3).clear());
        }
        assertTrue(Tool.run("qemu-img", "check", s.toString()).ok().stdout().contains("No errors"));
        byte[] all = Tool.run("qemu-io", "-f", "vmdk", "-c", "read -P 1 65536 1", "-c", "read -P 3 5 1",
                s.toString()).ok().stdout().getBytes(StandardCharsets.UTF_8);
        assertTrue(new String(all, StandardCharsets.UTF_8).contains("read 1/1 bytes"));
    }
}
