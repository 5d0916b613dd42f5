package dev.platter.format.vpc;

import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.ReferenceDeniedException;
import dev.platter.core.image.ReferenceResolver;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Differencing VHDs (made here as Windows lays them out: neither qemu-img nor Platter creates them) read through
 * their parent sector by sector as their bitmaps say, in Platter as in libvhdi; writes keep what the parent showed;
 * untrusted opens refuse the parent; a parent with another unique id is refused.
 */
class VpcDifferencingTest {
    @TempDir
    Path dir;

    private Path parent() throws IOException {
        Path p = dir.resolve("parent.vhd");
        new VpcFormat().create(p, 4L << 20, CreateOptions.of(Map.of("force_size", "on")));
        try (Image img = Images.open(p, OpenOptions.readWriteDefaults().withFormat("vpc"))) {
            byte[] all = new byte[4 << 20];
            Arrays.fill(all, (byte) 0x44);
            img.write(0, ByteBuffer.wrap(all));
        }
        return p;
    }

    private static java.util.UUID idOf(Path vhd) throws IOException {
        byte[] f = Arrays.copyOf(Files.readAllBytes(vhd), 512);
        return VhdFooter.of(f).uniqueId();
    }

    /** A child of {@code parent}: block 1 with its first 8 sectors present (0x77), block 2 whole (0x55). */
    private Path child(Path parent, TinyVhd t) throws IOException {
        t.type = VhdDiskType.DIFFERENCING;
        t.parentId = idOf(parent);
        t.parentName = "parent.vhd";
        byte[] bitmap = new byte[512];
        bitmap[0] = (byte) 0xff; // sectors 0-7
        byte[] b1 = new byte[1 << 20];
        Arrays.fill(b1, 0, 4096, (byte) 0x77);
        Arrays.fill(b1, 4096, b1.length, (byte) 0x99); // hidden by the bitmap
        byte[] b2 = new byte[1 << 20];
        Arrays.fill(b2, (byte) 0x55);
        t.block(1, b1, bitmap).block(2, b2, null);
        Path c = dir.resolve("child.vhd");
        Files.write(c, t.build());
        return c;
    }

    private static byte[] expected() {
        byte[] e = new byte[4 << 20];
        Arrays.fill(e, (byte) 0x44);
        Arrays.fill(e, 1 << 20, (1 << 20) + 4096, (byte) 0x77);
        Arrays.fill(e, 2 << 20, 3 << 20, (byte) 0x55);
        return e;
    }

    static byte[] platter(Path image) throws IOException {
        try (Image i = Images.open(image, OpenOptions.readOnlyDefaults().withFormat("vpc"))) {
            byte[] all = new byte[(int) i.size()];
            i.read(0, ByteBuffer.wrap(all));
            return all;
        }
    }

    @Test
    void readsThroughTheParentAsTheBitmapsSay() throws IOException {
        Path c = child(parent(), new TinyVhd().locator("W2ru", ".\\parent.vhd"));
        assertArrayEquals(expected(), platter(c));
        try (Image i = Images.open(c, OpenOptions.readOnlyDefaults().withFormat("vpc"))) {
            assertEquals("parent.vhd", i.info().backingFilename());
            assertEquals(1, i.mapping(0, 1 << 20).depth());
            assertEquals(0, i.mapping(1 << 20, 1 << 20).depth());
            assertEquals(4096, i.mapping(1 << 20, 1 << 20).length());
            assertEquals(1, i.mapping((1 << 20) + 4096, 1 << 20).depth());
        }
    }

    @Test
    void theParentNameServesWithoutLocators() throws IOException {
        Path c = child(parent(), new TinyVhd());
        assertArrayEquals(expected(), platter(c));
    }

    @Test
    @RequiresTool("vhdiinfo")
    void libvhdiReadsTheSame() throws IOException {
        Path c = child(parent(), new TinyVhd().locator("W2ru", ".\\parent.vhd"));
        assertArrayEquals(platter(c), VpcMatchesLibvhdiTest.libvhdi(c, dir.resolve("parent.vhd")));
    }

    @Test
    void writesKeepWhatTheParentShowed() throws IOException {
        Path c = child(parent(), new TinyVhd().locator("W2ru", ".\\parent.vhd"));
        byte[] model = expected();
        try (Image i = Images.open(c, OpenOptions.readWriteDefaults().withFormat("vpc"))) {
            byte[] w = new byte[1000];
            Arrays.fill(w, (byte) 0x12);
            i.write((1 << 20) + 8192, ByteBuffer.wrap(w)); // block 1, a sector the bitmap leaves to the parent
            System.arraycopy(w, 0, model, (1 << 20) + 8192, w.length);
            i.write((3 << 20) + 5, ByteBuffer.wrap(w)); // block 3, new
            System.arraycopy(w, 0, model, (3 << 20) + 5, w.length);
            i.discard(2 << 20, 4096); // reads as the parent again
            Arrays.fill(model, 2 << 20, (2 << 20) + 4096, (byte) 0x44);
        }
        assertArrayEquals(model, platter(c));
    }

    @Test
    void untrustedOpensRefuseTheParent() throws IOException {
        Path c = child(parent(), new TinyVhd().locator("W2ru", ".\\parent.vhd"));
        assertThrows(ReferenceDeniedException.class, () -> Images.open(c, OpenOptions.readOnlyDefaults()
                .withFormat("vpc").withResolver(ReferenceResolver.denyAll())).close());
    }

    @Test
    void aParentWithAnotherIdIsRefused() throws IOException {
        Path p = parent();
        Path c = child(p, new TinyVhd().locator("W2ru", ".\\parent.vhd"));
        new VpcFormat().create(p, 4L << 20, CreateOptions.of(Map.of("force_size", "on"))); // a new unique id
        IOException e = assertThrows(IOException.class, () -> platter(c));
        assertTrue(e.getMessage().contains("unique id"), e.getMessage());
    }

    @Test
    void aLocatorLoopEndsInOneLine() throws IOException {
        TinyVhd t = new TinyVhd().locator("W2ru", "loop.vhd");
        t.type = VhdDiskType.DIFFERENCING;
        Path loop = dir.resolve("loop.vhd");
        Files.write(loop, t.build());
        IOException e = assertThrows(IOException.class, () -> platter(loop));
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().toLowerCase().contains("loop") || e.getMessage().contains("itself")
                || e.getMessage().contains("chain"), e.getMessage());
    }

    @Test
    void aLoopOfTwoEndsInOneLine() throws IOException {
        TinyVhd a = new TinyVhd().locator("W2ru", "b.vhd");
        a.type = VhdDiskType.DIFFERENCING;
        a.id = new java.util.UUID(1, 1);
        a.parentId = new java.util.UUID(2, 2);
        TinyVhd b = new TinyVhd().locator("W2ru", "a.vhd");
        b.type = VhdDiskType.DIFFERENCING;
        b.id = new java.util.UUID(2, 2);
        b.parentId = new java.util.UUID(1, 1);
        Files.write(dir.resolve("a.vhd"), a.build());
        Files.write(dir.resolve("b.vhd"), b.build());
        IOException e = assertThrows(IOException.class, () -> platter(dir.resolve("a.vhd")));
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().toLowerCase().contains("loop") || e.getMessage().contains("chain"),
                e.getMessage());
    }

    @Test
    @RequiresTool("qemu-img")
    void qemuImgReadsTheChildAloneWithZerosForTheParent() throws IOException {
        Path c = child(parent(), new TinyVhd().locator("W2ru", ".\\parent.vhd"));
        String info = Tool.run("qemu-img", "info", "--output=json", c.toString()).ok().stdout();
        assertTrue(!info.contains("backing-filename"), "qemu 7.2 ignores the parent: " + info);
    }
}
