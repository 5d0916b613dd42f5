package dev.platter.format.vmdk;

import dev.platter.core.Extent;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.MemoryStorage;
import dev.platter.testdata.VmdkFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reader on images built byte by byte ({@link TinyVmdk}): every kind of extent, without external tools. */
class VmdkReaderTest {
    @TempDir
    Path dir;

    static Image open(byte[] file) throws IOException {
        MemoryStorage s = new MemoryStorage("tiny.vmdk", file.length);
        s.write(0, ByteBuffer.wrap(file));
        assertEquals(100, new VmdkFormat().probe(ByteBuffer.wrap(file), s));
        return new VmdkFormat().open(s, OpenOptions.readOnlyDefaults().withFormat("vmdk"));
    }

    static byte[] readAll(Image image) throws IOException {
        byte[] all = new byte[(int) image.size()];
        for (int off = 0; off < all.length; off += 1536) {
            image.read(off, ByteBuffer.wrap(all, off, Math.min(1536, all.length - off)));
        }
        return all;
    }

    @Test
    void sparseAndZeroedGrains() throws IOException {
        TinyVmdk t = new TinyVmdk();
        t.version = 2;
        t.flags |= SparseHeader.FLAG_ZEROED_GRAIN;
        t.grains = new int[] {0, -3, 5};
        try (Image image = open(t.build())) {
            assertArrayEquals(t.content(), readAll(image));
            assertEquals(Extent.Status.DATA, image.mapping(0, 1 << 20).status());
            Extent zero = image.mapping(2 * 2048, 1 << 20);
            assertEquals(Extent.Status.ZERO, zero.status());
            assertEquals(2048, zero.length());
            assertEquals(Extent.Status.UNALLOCATED, image.mapping(2048, 1 << 20).status());
            assertEquals("monolithicSparse", ((VmdkImage) image).createType());
            assertEquals(0x1234abcdL, ((VmdkImage) image).cid());
        }
    }

    /** Without the zeroed-grain flag a GTE of 1 is a grain at sector 1 (the descriptor), as qemu reads it. */
    @Test
    void gteOneWithoutTheFlagIsSectorOne() throws IOException {
        TinyVmdk t = new TinyVmdk();
        t.grains = new int[] {-1};
        try (Image image = open(t.build())) {
            assertEquals(Extent.Status.DATA, image.mapping(0, 512).status());
            assertEquals(512, image.mapping(0, 512).hostOffset());
        }
    }

    @Test
    void streamWithMarkersAndWithTheFooterAtTheEnd() throws IOException {
        for (boolean atEnd : new boolean[] {false, true}) {
            TinyVmdk t = new TinyVmdk();
            t.compressed = true;
            t.gdAtEnd = atEnd;
            try (Image image = open(t.build())) {
                assertArrayEquals(t.content(), readAll(image));
                Extent e = image.mapping(0, 1 << 20);
                assertTrue(e.compressed());
                assertEquals("streamOptimized", ((VmdkImage) image).createType());
            }
        }
    }

    @Test
    void descriptorWithFlatSparseCowdAndSkippedLines() throws IOException {
        TinyVmdk sparse = new TinyVmdk();
        Files.write(dir.resolve("s.vmdk"), sparse.build());
        byte[] flat = new byte[8192];
        for (int i = 0; i < flat.length; i++) {
            flat[i] = (byte) (i / 512 + 100);
        }
        Files.write(dir.resolve("f.bin"), flat);
        Files.write(dir.resolve("c.vmdk"), VmdkFixtures.cowd(64, 0));
        String text = "# Disk DescriptorFile\nversion=1\nCID=0000000a\nparentCID=ffffffff\n"
                + "createType=\"twoGbMaxExtentFlat\"\nRW 8 FLAT \"f.bin\" 4\nRDONLY 8 FLAT \"f.bin\" 0\n"
                + "RW 16 ZERO\nRW 99 SPARSE \"s.vmdk\"\nRW 4 VMFS \"f.bin\"\nRW 64 VMFSSPARSE \"c.vmdk\"\n";
        Path d = dir.resolve("d.vmdk");
        Files.writeString(d, text);
        try (Image image = Images.open(d, OpenOptions.readOnlyDefaults())) {
            assertEquals("vmdk", image.formatName());
            assertEquals((8 + 64 + 4 + 64) * 512, image.size(), "skipped lines add nothing; sparse sizes from headers");
            byte[] all = readAll(image);
            byte[] expected = new byte[(int) image.size()];
            System.arraycopy(flat, 2048, expected, 0, 4096);
            System.arraycopy(sparse.content(), 0, expected, 4096, 32768);
            System.arraycopy(flat, 0, expected, 4096 + 32768, 2048);
            System.arraycopy(VmdkFixtures.cowdContent(64, 0), 0, expected, 4096 + 32768 + 2048, 32768);
            assertArrayEquals(expected, all);
            assertEquals(5, image.storages().size(), "the descriptor, then one storage per extent file opened");
            assertFalse(image.isReadOnly() && image.capability(Object.class).isPresent());
        }
    }

    @Test
    void seSparseExtent() throws IOException {
        Files.write(dir.resolve("s-sesparse.vmdk"), VmdkFixtures.seSparse());
        Path d = dir.resolve("s.vmdk");
        Files.writeString(d, TinyVmdk.descriptor("seSparse", "SESPARSE", "s-sesparse.vmdk", 131072, ""));
        try (Image image = Images.open(d, OpenOptions.readOnlyDefaults())) {
            assertEquals(64 << 20, image.size());
            assertArrayEquals(VmdkFixtures.seSparseContent(), image.readBytes(0, 64 << 20));
            assertEquals(Extent.Status.ZERO, image.mapping(4096, 1 << 20).status());
            assertEquals(8192, image.mapping(4096, 1 << 20).length());
            Extent data = image.mapping(5 * 4096, 1 << 20);
            assertEquals(8192, data.length(), "grains 5 and 6 are contiguous");
            assertEquals(131 * 512 + 4096, data.hostOffset());
        }
    }

    @Test
    void whatPlatterDoesNotWriteIsRefusedByName() throws IOException {
        Files.write(dir.resolve("w-sesparse.vmdk"), VmdkFixtures.seSparse());
        Path d = dir.resolve("w.vmdk");
        Files.writeString(d, TinyVmdk.descriptor("seSparse", "SESPARSE", "w-sesparse.vmdk", 131072, ""));
        var e = assertThrows(dev.platter.core.UnsupportedFeatureException.class, () -> Images.open(d,
                OpenOptions.readWriteDefaults()));
        assertTrue(e.getMessage().contains("Platter does not write seSparse extents"), e.getMessage());
        try (Image image = open(new TinyVmdk().build())) {
            assertThrows(dev.platter.core.ReadOnlyDeviceException.class, () -> image.write(0,
                    ByteBuffer.allocate(512)));
        }
    }

    @Test
    void probeIsQemus() {
        VmdkFormat f = new VmdkFormat();
        MemoryStorage s = new MemoryStorage("x", 0);
        assertEquals(100, f.probe(bytes("# comment\n   \nversion=1\n"), s));
        assertEquals(100, f.probe(bytes("version=3\r\nCID=1"), s));
        assertEquals(0, f.probe(bytes("  x\nversion=1\n"), s));
        assertEquals(0, f.probe(bytes("version=4\n"), s));
        assertEquals(0, f.probe(bytes("KDM"), s));
        assertEquals(100, f.probe(bytes("COWD"), s));
    }

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
    }
}
