package dev.platter.format.qcow2;

import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.testdata.RequiresTool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

@RequiresTool({"qemu-img", "qemu-io"})
class Qcow2SmokeTest {
    @TempDir
    Path dir;

    @Test
    void readsWhatQemuWrote() throws Exception {
        Path img = dir.resolve("a.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", img.toString(), "8M").ok();
        Qemu.io(img, "qcow2", "write -P 0xaa 0 64k", "write -z 1M 64k", "write -P 0x11 100k 3k",
                "write -c -P 0x55 2M 64k", "write -P 0x77 7M 1M");
        byte[] expected = Qemu.content(img, dir);
        try (Image image = Images.open(img, OpenOptions.readOnlyDefaults())) {
            Qemu.assertSameContent(expected, Qemu.readAll(image, 4096), "4k reads");
            Qemu.assertSameContent(expected, Qemu.readAll(image, 1 << 20), "1M reads");
        }
    }

    /** With lazy refcounts the dirty bit is on while Platter writes and off after a clean close. */
    @Test
    void lazyRefcountsSetTheDirtyBitUntilClose() throws Exception {
        Path img = dir.resolve("lazy.qcow2");
        new Qcow2Format().create(img, 8 << 20, dev.platter.core.image.CreateOptions.of(
                java.util.Map.of("lazy_refcounts", "on")));
        try (Image image = Images.open(img, OpenOptions.readWriteDefaults())) {
            image.write(0, ByteBuffer.wrap(new byte[100_000]));
            image.flush();
            assertTrue(Qemu.img("info", "-U", img.toString()).ok().stdout().contains("cleanly shut down: no"));
        }
        assertTrue(!Qemu.img("info", img.toString()).ok().stdout().contains("cleanly shut down"));
        Qemu.assertClean(img);
    }

    @Test
    void qemuReadsWhatPlatterWrote() throws Exception {
        Path img = dir.resolve("b.qcow2");
        new Qcow2Format().create(img, 8 << 20, dev.platter.core.image.CreateOptions.none());
        Qemu.assertClean(img);
        Random r = new Random(1);
        byte[] model = new byte[8 << 20];
        try (Image image = Images.open(img, OpenOptions.readWriteDefaults())) {
            for (int i = 0; i < 50; i++) {
                int off = r.nextInt(model.length - 200_000);
                int len = 1 + r.nextInt(200_000);
                byte[] b = new byte[len];
                r.nextBytes(b);
                System.arraycopy(b, 0, model, off, len);
                image.write(off, ByteBuffer.wrap(b));
            }
            Qemu.assertSameContent(model, Qemu.readAll(image, 65536), "own reads");
        }
        Qemu.assertClean(img);
        Qemu.assertSameContent(model, Qemu.content(img, dir), "qemu reads");
    }
}
