package dev.platter.format.vhdx;

import dev.platter.core.CorruptImageException;
import dev.platter.core.Extent;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reading as qemu-img 7.2 reads: the payload block states (3 and 5 both UNMAPPED, 4 an error), the allocation map
 * from the BAT, Disk2VHD's equal headers, and the two places where Platter reads differently: differencing disks
 * (qemu 7.2 refuses them, Platter reads them) and 4096-byte logical sectors (likewise).
 */
@RequiresTool({"qemu-img", "qemu-io"})
class VhdxReaderTest {
    @TempDir
    Path dir;

    Path qemuDisk(String options) {
        Path p = dir.resolve("q.vhdx");
        Tool.run("qemu-img", "create", "-q", "-f", "vhdx", "-o", options, p.toString(), "20M").ok();
        Tool.run("qemu-io", "-f", "vhdx", "-c", "write -P 0x61 0 1M", "-c", "write -P 0x62 9M 4k", p.toString()).ok();
        return p;
    }

    static byte[] platter(Path p) throws IOException {
        try (Image i = Images.open(p, OpenOptions.readOnlyDefaults())) {
            return i.readBytes(0, (int) i.size());
        }
    }

    byte[] qemu(Path p) throws IOException {
        Path raw = dir.resolve("q.raw");
        Tool.run("qemu-img", "convert", "-f", "vhdx", "-O", "raw", p.toString(), raw.toString()).ok();
        return Files.readAllBytes(raw);
    }

    static void patchBatEntry(Path p, int index, long entry) throws IOException {
        byte[] b = Files.readAllBytes(p);
        ByteBuffer le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long bat = le.getLong((192 << 10) + 16 + 16);
        le.putLong((int) bat + index * 8, entry);
        Files.write(p, b);
    }

    static long batEntry(Path p, int index) throws IOException {
        ByteBuffer le = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        return le.getLong((int) le.getLong((192 << 10) + 16 + 16) + index * 8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"block_size=1M", "block_size=8M,subformat=fixed", "subformat=fixed,block_state_zero=off",
        "block_state_zero=off", "block_size=256M"})
    void readsEveryByteAsQemuImg(String options) throws IOException {
        Path p = qemuDisk(options);
        assertArrayEquals(qemu(p), platter(p));
        try (Image i = Images.open(p, OpenOptions.readOnlyDefaults())) {
            ImageInfo info = i.info();
            assertEquals(20L << 20, info.virtualSize());
            assertTrue(i.mapping(0, 4096).status() == Extent.Status.DATA);
        }
    }

    @Test
    void unmappedInBothEncodingsReadsAsZerosAndTheReservedStateFails() throws IOException {
        Path p = qemuDisk("block_size=1M");
        long present = batEntry(p, 0);
        assertEquals(BlockState.FULLY_PRESENT, BlockState.of(present));
        for (int state : new int[] {BlockState.UNMAPPED, BlockState.UNMAPPED_V095, BlockState.UNDEFINED}) {
            patchBatEntry(p, 0, BlockState.offset(present) | state);
            byte[] q = qemu(p);
            assertEquals(0, q[0]);
            assertArrayEquals(q, platter(p), "state " + state);
        }
        patchBatEntry(p, 0, BlockState.offset(present) | 4);
        assertNotEquals(0, Tool.run("qemu-img", "convert", "-f", "vhdx", "-O", "raw", p.toString(),
                dir.resolve("x.raw").toString()).exitCode(), "qemu: Input/output error");
        assertThrows(CorruptImageException.class, () -> platter(p));
    }

    @Test
    void theMapFollowsTheBat() throws IOException {
        Path p = qemuDisk("block_size=1M");
        try (Image i = Images.open(p, OpenOptions.readOnlyDefaults())) {
            Extent first = i.mapping(0, i.size());
            assertEquals(Extent.Status.DATA, first.status());
            assertEquals(1 << 20, first.length());
            Extent zero = i.mapping(1 << 20, i.size());
            assertEquals(Extent.Status.ZERO, zero.status(), "block_state_zero: ZERO blocks");
            assertEquals(8 << 20, zero.length());
            assertEquals(Extent.Status.DATA, i.mapping(9 << 20, 1).status());
        }
    }

    @Test
    void equalHeadersAsDisk2vhdWritesThemAreAccepted() throws IOException {
        Path p = qemuDisk("block_size=1M");
        byte[] b = Files.readAllBytes(p);
        System.arraycopy(b, 128 << 10, b, 64 << 10, 4096);
        Files.write(p, b);
        assertArrayEquals(qemu(p), platter(p));
        // Equal sequence numbers but different fields: neither is current (qemu: No valid VHDX header found).
        b[(64 << 10) + 16] ^= 1;
        VhdxChecksum.seal(b, 64 << 10, 4096);
        Files.write(p, b);
        assertNotEquals(0, Tool.run("qemu-img", "info", p.toString()).exitCode());
        assertThrows(CorruptImageException.class, () -> platter(p));
    }

    /**
     * qemu 7.2 refuses differencing disks (ENOTSUP, "TODO: parse parent locator"); Platter reads them
     * ({@code VhdxDifferencingTest}) and refuses this one, whose locator item is all zeros, by the locator's type.
     */
    @Test
    void differencingDisksQemuRefusesAreReadByPlatter() throws IOException {
        Path p = qemuDisk("block_size=1M");
        byte[] b = Files.readAllBytes(p);
        ByteBuffer le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int metadata = (int) le.getLong((192 << 10) + 16 + 32 + 16);
        le.putInt(metadata + (64 << 10) + 4, VhdxMetadata.FLAG_HAS_PARENT);
        // a parent locator entry, after the five qemu writes
        le.putShort(metadata + 10, (short) 6);
        VhdxGuid.PARENT_LOCATOR.write(le, metadata + 32 + 5 * 32);
        le.putInt(metadata + 32 + 5 * 32 + 16, 128 << 10);
        le.putInt(metadata + 32 + 5 * 32 + 20, 64);
        Files.write(p, b);
        String err = Tool.run("qemu-img", "info", p.toString()).stderr();
        assertTrue(err.contains("Operation not supported"), err);
        UnsupportedFeatureException e = assertThrows(UnsupportedFeatureException.class, () -> platter(p));
        assertTrue(e.getMessage().contains("parent locator of type"), e.getMessage());
    }

    /**
     * qemu-img 7.2 refuses disks with 4096-byte logical sectors (Operation not supported); Platter reads and writes
     * them (libvhdi agrees: {@code VhdxMatchesLibvhdiTest}).
     */
    @Test
    void fourKiBSectorDisksReadWhole() throws IOException {
        Path p = dir.resolve("4k.vhdx");
        VhdxCreator.create(p, VhdxCreateOptions.parse(16 << 20, CreateOptions.of(
                CreateOptions.parseList("block_size=1M"))), 4096);
        byte[] data = new byte[16 << 20];
        for (int i = 0; i < data.length; i += 4096) {
            data[i] = (byte) (i >>> 12);
        }
        try (Image img = Images.open(p, OpenOptions.readWriteDefaults())) {
            img.write(0, ByteBuffer.wrap(data));
        }
        assertArrayEquals(data, platter(p));
        String err = Tool.run("qemu-img", "info", p.toString()).stderr();
        assertTrue(err.contains("Operation not supported"), "qemu-img 7.2 refuses 4096-byte sectors: " + err);
    }
}
