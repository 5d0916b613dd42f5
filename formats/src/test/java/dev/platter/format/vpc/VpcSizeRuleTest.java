package dev.platter.format.vpc;

import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * qemu 7.2's size rule, creator by creator: disks whose CHS geometry and current size disagree (as Virtual PC,
 * Hyper-V, Disk2VHD, XenServer and Azure write them) have in Platter the virtual size qemu-img gives them, and read
 * the same bytes; with Windows' 512 KiB blocks too.
 */
@RequiresTool("qemu-img")
class VpcSizeRuleTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"'vpc ', false", "qemu, false", "qem2, false", "'win ', false", "'d2v ', false", "CTXS, false",
        "'tap\0', false", "'wa\0\0', false", "'vbox', false", "qemu, true", "'win ', true", "'d2v ', true"})
    void virtualSizeAsQemuImgSaysIt(String creator, boolean maxGeometry) throws IOException {
        assertEquals(4, creator.length(), "a creator is 4 bytes");
        TinyVhd t = new TinyVhd();
        t.size = (8L << 20) + 3 * 512; // current size: not a geometry's product
        t.blockSize = 512 << 10;
        byte[] data = new byte[512 << 10];
        Arrays.fill(data, (byte) 0x6b);
        t.block(0, data, null).block(16, data, null);
        byte[] f = t.build();
        ByteBuffer b = ByteBuffer.wrap(f);
        b.put(28, creator.getBytes(StandardCharsets.ISO_8859_1));
        Geometry g = maxGeometry ? Geometry.MAX : Geometry.of(t.size / 512); // rounds down: fewer sectors
        b.putShort(56, (short) g.cylinders()).put(58, (byte) g.heads()).put(59, (byte) g.sectorsPerTrack());
        TinyVhd.refooter(f);
        Path p = dir.resolve("size.vhd");
        Files.write(p, f);
        String info = Tool.run("qemu-img", "info", "--output=json", "-f", "vpc", p.toString()).ok().stdout();
        long qemuSize = Long.parseLong(info.replaceAll("(?s).*\"virtual-size\": (\\d+).*", "$1"));
        Path q = dir.resolve("size.raw");
        Tool.run("qemu-img", "convert", "-f", "vpc", "-O", "raw", p.toString(), q.toString()).ok();
        try (Image img = Images.open(p, OpenOptions.readOnlyDefaults().withFormat("vpc"))) {
            assertEquals(qemuSize, img.size(), creator);
            byte[] all = new byte[(int) img.size()];
            img.read(0, ByteBuffer.wrap(all));
            assertArrayEquals(Files.readAllBytes(q), all, creator);
        }
        boolean current = maxGeometry || !Arrays.asList("vpc ", "qemu", "wa\0\0", "vbox").contains(creator);
        assertEquals(current ? t.size : g.sectors() * 512, qemuSize, creator + ": the rule as documented");
        assertTrue(g.sectors() * 512 != t.size);
    }
}
