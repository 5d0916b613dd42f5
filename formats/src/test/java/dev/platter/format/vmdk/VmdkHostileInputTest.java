package dev.platter.format.vmdk;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.ReferenceDeniedException;
import dev.platter.testdata.VmdkFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile VMDKs end in one-line errors naming the structure (and, where there is one, the offset), before anything
 * large is allocated and without opening any file the image should not reach.
 */
class VmdkHostileInputTest {
    @TempDir
    Path dir;

    private static <T extends IOException> T fails(Class<T> kind, byte[] file, String expected) {
        T e = assertThrows(kind, () -> {
            try (Image image = VmdkReaderTest.open(file)) {
                VmdkReaderTest.readAll(image);
                for (long pos = 0; pos < image.size(); pos = image.mapping(pos, image.size() - pos).end()) {
                    // the whole map
                }
            }
        });
        assertOneLine(e, expected);
        return e;
    }

    private static void assertOneLine(Exception e, String expected) {
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static byte[] patchLong(byte[] file, int at, long value) {
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putLong(at, value);
        return file;
    }

    private static byte[] patchInt(byte[] file, int at, int value) {
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putInt(at, value);
        return file;
    }

    @Test
    void hugeCapacity() {
        fails(CorruptImageException.class, patchLong(new TinyVmdk().build(), 12, 1L << 50), "L1 size too big");
        fails(CorruptImageException.class, patchLong(new TinyVmdk().build(), 12, -1L), "more than a disk can hold");
    }

    @Test
    void grainDirectoryOutsideTheFile() {
        fails(CorruptImageException.class, patchLong(new TinyVmdk().build(), 56, 1L << 40),
                "grain directory (4 entries) runs past the end of the file");
        fails(CorruptImageException.class, patchLong(new TinyVmdk().build(), 56, 1L << 62), "lies past the end");
    }

    @Test
    void grainTableOutsideTheFile() {
        byte[] f = patchInt(new TinyVmdk().build(), 3 * 512, 0x7fffffff);
        fails(CorruptImageException.class, f, "grain table runs past the end of the file");
    }

    @Test
    void grainMarkerWithAnAbsurdSize() {
        TinyVmdk t = new TinyVmdk();
        t.compressed = true;
        byte[] f = t.build();
        int firstGrain = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).getInt(4 * 512) * 512;
        fails(CorruptImageException.class, patchInt(f, firstGrain + 8, 0x7fffffff), "compressed size 2147483647 is "
                + "not between 1 and 4084 bytes");
        fails(CorruptImageException.class, patchInt(t.build(), firstGrain + 8, 0), "compressed size 0");
    }

    @Test
    void grainInflatingToMoreThanAGrain() {
        TinyVmdk t = new TinyVmdk();
        t.compressed = true;
        byte[] f = t.build();
        int firstGrain = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).getInt(4 * 512) * 512;
        byte[] big = TinyVmdk.marker(0, new byte[4096]);
        System.arraycopy(big, 0, f, firstGrain, Math.min(big.length, 512));
        fails(CorruptImageException.class, f, "inflates to more than one grain (2048 bytes)");
    }

    @Test
    void grainThatIsNotZlib() {
        TinyVmdk t = new TinyVmdk();
        t.compressed = true;
        byte[] f = t.build();
        int firstGrain = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).getInt(4 * 512) * 512;
        f[firstGrain + 12] = 0x55;
        fails(CorruptImageException.class, f, "not a zlib stream");
    }

    /** A header of capacity 0 points at its descriptor: the offset must lie in the file (a fuzz finding). */
    @Test
    void descriptorOffsetOutsideTheFile() {
        byte[] f = patchLong(new TinyVmdk().build(), 12, 0);
        fails(CorruptImageException.class, patchLong(f.clone(), 28, -1L), "the descriptor (sector "
                + "18446744073709551615) lies past the end of the file");
        fails(CorruptImageException.class, patchLong(f, 28, 1L << 40), "lies past the end of the file");
    }

    @Test
    void missingFooter() {
        fails(CorruptImageException.class, patchLong(new TinyVmdk().build(), 56, -1L), "Invalid footer");
    }

    @Test
    void unsupportedVersionAndGeometry() {
        fails(UnsupportedFeatureException.class, patchInt(new TinyVmdk().build(), 4, 4), "Unsupported VMDK version 4");
        fails(CorruptImageException.class, patchInt(new TinyVmdk().build(), 44, 513), "L2 table size too big");
        fails(CorruptImageException.class, patchLong(new TinyVmdk().build(), 20, 0), "L1 entry size is invalid");
        fails(CorruptImageException.class, patchLong(new TinyVmdk().build(), 20, 1L << 22), "Invalid granularity");
        fails(CorruptImageException.class, patchLong(new TinyVmdk().build(), 64, 1L << 30), "File truncated");
    }

    @Test
    void descriptorWithoutCid() {
        TinyVmdk t = new TinyVmdk();
        t.descriptor = "# Disk DescriptorFile\nversion=1\ncreateType=\"monolithicSparse\"\n";
        fails(CorruptImageException.class, t.build(), "no CID");
    }

    private Path descriptorFile(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, text.getBytes(StandardCharsets.ISO_8859_1));
        return p;
    }

    private void openFails(Class<? extends IOException> kind, Path p, OpenOptions options, String expected) {
        IOException e = assertThrows(kind, () -> Images.open(p, options.withFormat("vmdk")).close());
        assertOneLine(e, expected);
    }

    @Test
    void descriptorOfAMillionLines() throws IOException {
        Path p = descriptorFile("lines.vmdk", "version=1\n" + "\n".repeat(1_000_000));
        openFails(CorruptImageException.class, p, OpenOptions.readOnlyDefaults(), "more than 100000 lines");
        Path big = descriptorFile("big.vmdk", "version=1\n" + "#".repeat(2 << 20));
        openFails(CorruptImageException.class, big, OpenOptions.readOnlyDefaults(), "more than a descriptor's");
    }

    @Test
    void tooManyExtents() throws IOException {
        Files.write(dir.resolve("f.bin"), new byte[512]);
        Path p = descriptorFile("many.vmdk", TinyVmdk.descriptor("twoGbMaxExtentFlat", "FLAT", "f.bin", 1, "")
                .replace("\"f.bin\"", "\"f.bin\" 0") + "RW 1 FLAT \"f.bin\" 0\n".repeat(4096));
        openFails(CorruptImageException.class, p, OpenOptions.readOnlyDefaults(), "more than 4096 extents");
    }

    @Test
    void extentThatIsTheDescriptorItself() throws IOException {
        Path p = descriptorFile("self.vmdk", TinyVmdk.descriptor("monolithicFlat", "FLAT", "self.vmdk", 8, "")
                .replace("\"self.vmdk\"", "\"self.vmdk\" 0"));
        openFails(CorruptImageException.class, p, OpenOptions.readOnlyDefaults(), "is the descriptor file itself");
        Path q = descriptorFile("self2.vmdk", TinyVmdk.descriptor("twoGbMaxExtentSparse", "SPARSE", "./self2.vmdk",
                8, ""));
        openFails(CorruptImageException.class, q, OpenOptions.readOnlyDefaults(), "is the descriptor file itself");
    }

    /** a.vmdk's sparse extent b.vmdk is a header holding a descriptor that names a.vmdk again. */
    @Test
    void extentLoop() throws IOException {
        TinyVmdk b = new TinyVmdk();
        b.capacity = 0;
        b.grains = new int[0];
        b.descriptor = TinyVmdk.descriptor("twoGbMaxExtentSparse", "SPARSE", "a.vmdk", 8, "");
        Files.write(dir.resolve("b.vmdk"), b.build());
        Path a = descriptorFile("a.vmdk", TinyVmdk.descriptor("twoGbMaxExtentSparse", "SPARSE", "b.vmdk", 8, ""));
        openFails(UnsupportedFeatureException.class, a, OpenOptions.readOnlyDefaults(), "holds a descriptor of its own");
        // b.vmdk opened by itself names a.vmdk as a sparse extent, and a text descriptor is none
        IOException e = assertThrows(IOException.class, () -> Images.open(dir.resolve("b.vmdk"),
                OpenOptions.readOnlyDefaults()).close());
        assertOneLine(e, "a.vmdk' at offset 0 (0x0): Image not in VMDK format");
    }

    @Test
    void badExtentLinesAndTypes() throws IOException {
        Files.write(dir.resolve("f.bin"), new byte[512]);
        openFails(CorruptImageException.class, descriptorFile("l.vmdk", TinyVmdk.descriptor("monolithicFlat",
                "FLAT", "f.bin", 1, "")), OpenOptions.readOnlyDefaults(), "Invalid extent line: RW 1 FLAT \"f.bin\"");
        openFails(UnsupportedFeatureException.class, descriptorFile("t.vmdk", TinyVmdk.descriptor("fullDevice",
                "FLAT", "f.bin", 1, "")), OpenOptions.readOnlyDefaults(), "Unsupported image type 'fullDevice'");
        openFails(CorruptImageException.class, descriptorFile("n.vmdk", "version=1\nCID=1\n"),
                OpenOptions.readOnlyDefaults(), "invalid VMDK image descriptor");
        openFails(CorruptImageException.class, descriptorFile("s.vmdk", TinyVmdk.descriptor("twoGbMaxExtentSparse",
                "SPARSE", "f.bin", 1, "")), OpenOptions.readOnlyDefaults(), "Image not in VMDK format");
        openFails(CorruptImageException.class, descriptorFile("se.vmdk", TinyVmdk.descriptor("seSparse",
                "SESPARSE", "f.bin", 1, "")), OpenOptions.readOnlyDefaults(), "Bad const header magic: "
                + "0x0000000000000000");
    }

    /** seSparse headers are checked as strictly as qemu checks them; tables must lie in the file. */
    @Test
    void hostileSeSparse() throws IOException {
        Path d = descriptorFile("se.vmdk", TinyVmdk.descriptor("seSparse", "SESPARSE", "se-sesparse.vmdk", 131072, ""));
        byte[][] cases = new byte[5][];
        String[] expected = {"Image is dirty, Replaying journal not supported", "Unsupported grain size: 16",
            "the grain directory (64 entries at sector 4611686018427387904) runs past the end",
            "L1 size too big", "the grain table runs past the end of the file"};
        for (int i = 0; i < cases.length; i++) {
            cases[i] = VmdkFixtures.seSparse();
        }
        patchLong(cases[0], 512 + 24, 1);
        patchLong(cases[1], 24, 16);
        patchLong(cases[2], 128, 1L << 62);
        patchLong(cases[3], 136, 1L << 40);
        patchLong(cases[4], 2 * 512, 0x1000000000100000L);
        for (int i = 0; i < cases.length; i++) {
            Files.write(dir.resolve("se-sesparse.vmdk"), cases[i]);
            IOException e = assertThrows(IOException.class, () -> {
                try (Image image = Images.open(d, OpenOptions.readOnlyDefaults())) {
                    image.mapping(0, 1 << 20);
                }
            });
            assertOneLine(e, expected[i]);
        }
    }

    /** CVE-2024-32498's attack: an extent naming a host file. Untrusted: refused at open, nothing is read. */
    @Test
    void untrustedExtentNamingAHostFileIsRefusedAtOpen() throws IOException {
        Path p = descriptorFile("evil.vmdk", TinyVmdk.descriptor("monolithicFlat", "FLAT", "/etc/shadow", 8, "")
                .replace("\"/etc/shadow\"", "\"/etc/shadow\" 0"));
        openFails(ReferenceDeniedException.class, p, OpenOptions.untrusted(), "refusing to open extent "
                + "'/etc/shadow': untrusted images may not refer to other files");
        TinyVmdk child = new TinyVmdk();
        child.descriptor = TinyVmdk.descriptor("monolithicSparse", "SPARSE", "c.vmdk", 64,
                "parentFileNameHint=\"/etc/passwd\"");
        Path c = dir.resolve("c.vmdk");
        Files.write(c, child.build());
        openFails(ReferenceDeniedException.class, c, OpenOptions.untrusted(), "refusing to open backing file "
                + "'/etc/passwd'");
        // A monolithic sparse file names nothing: it opens untrusted.
        Path m = dir.resolve("m.vmdk");
        Files.write(m, new TinyVmdk().build());
        try (Image image = Images.open(m, OpenOptions.untrusted().withFormat("vmdk"))) {
            assertEquals(64 * 512, image.size());
        }
    }
}
