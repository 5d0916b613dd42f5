package dev.platter.format.qcow2;

import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.testdata.RequiresTool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Header extensions, feature names, unknown fields, and refcount structure growth. */
@RequiresTool("qemu-img")
class Qcow2HeaderTest {
    @TempDir
    Path dir;

    /** Inserts an unknown extension right after the header fields (before the others). */
    private static void insertUnknownExtension(Path img, int type, byte[] data) throws Exception {
        byte[] cluster = new byte[65536];
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.readFully(cluster);
            ByteBuffer b = ByteBuffer.wrap(cluster);
            int len = 8 + ((data.length + 7) & ~7);
            int headerLength = b.getInt(100);
            System.arraycopy(cluster, headerLength, cluster, headerLength + len, 65536 - headerLength - len);
            b.putInt(headerLength, type).putInt(headerLength + 4, data.length);
            java.util.Arrays.fill(cluster, headerLength + 8, headerLength + len, (byte) 0);
            System.arraycopy(data, 0, cluster, headerLength + 8, data.length);
            long backing = b.getLong(8);
            if (backing != 0) {
                b.putLong(8, backing + len);
            }
            f.seek(0);
            f.write(cluster);
        }
    }

    @Test
    void unknownExtensionsSurviveAHeaderRewrite() throws Exception {
        Path img = dir.resolve("ext.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", img.toString(), "4M").ok();
        byte[] payload = "opaque data of a newer program".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        insertUnknownExtension(img, 0x12345678, payload);
        Qemu.assertClean(img);
        try (Qcow2Image q = (Qcow2Image) Images.open(img, OpenOptions.readWriteDefaults())) {
            q.setBackingFile("other.qcow2", "qcow2"); // rewrites the whole header cluster
            q.setBackingFile(null, null);
            q.createSnapshot("s");
        }
        Qemu.assertClean(img);
        ByteBuffer h = ByteBuffer.wrap(Files.readAllBytes(img));
        Qcow2Header header = Qcow2Header.parse(h.limit(65536));
        assertEquals(1, header.unknownExtensions.size());
        assertEquals(0x12345678, header.unknownExtensions.get(0).type());
        assertArrayEquals(payload, header.unknownExtensions.get(0).data());
    }

    @Test
    void unknownIncompatibleBitsAreRefusedByName() throws Exception {
        Path img = dir.resolve("future.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", img.toString(), "4M").ok();
        byte[] entry = new byte[48];
        entry[0] = 0;
        entry[1] = 9;
        byte[] name = "teleportation".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(name, 0, entry, 2, name.length);
        // Replace qemu's feature table by one that also names bit 9, and set bits 9 and 17.
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(112 + 4);
            f.writeInt(9 * 48);
            f.seek(112 + 8 + 8 * 48);
            f.write(entry);
            f.writeLong(0); // end marker
            f.seek(72);
            f.writeLong((1L << 9) | (1L << 17));
        }
        UnsupportedFeatureException e = assertThrows(UnsupportedFeatureException.class,
                () -> Images.open(img, OpenOptions.readOnlyDefaults()).close());
        assertEquals("Unsupported qcow2 feature(s): teleportation, Unknown incompatible feature: 20000", e.getMessage());
    }

    @Test
    void unknownAutoclearBitsAreClearedBeforeTheFirstWrite() throws Exception {
        Path img = dir.resolve("autoclear.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", img.toString(), "4M").ok();
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(88);
            f.writeLong(1L << 30);
        }
        try (Image q = Images.open(img, OpenOptions.readOnlyDefaults())) {
            q.readBytes(0, 512);
        }
        try (Image q = Images.open(img, OpenOptions.readWriteDefaults())) {
            q.write(0, ByteBuffer.wrap(new byte[512]));
        }
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "r")) {
            f.seek(88);
            assertEquals(0, f.readLong());
        }
        Qemu.assertClean(img);
    }

    /** A device is never created over, nor deleted after a failure. */
    @Test
    void createRefusesDevicesAndLeavesThemAlone() throws Exception {
        Path devNull = Path.of("/dev/null");
        if (!Files.exists(devNull) || Files.isRegularFile(devNull)) {
            return;
        }
        assertThrows(java.io.IOException.class, () -> new Qcow2Format().create(devNull, 1 << 20, CreateOptions.none()));
        assertTrue(Files.exists(devNull) && !Files.isRegularFile(devNull));
        assertThrows(java.io.IOException.class, () -> new Qcow2Format().create(dir.resolve("d.qcow2"), 1 << 20,
                CreateOptions.of(Map.of("data_file", "/dev/null"))));
        assertTrue(Files.exists(devNull) && !Files.isRegularFile(devNull));
    }

    /** 512-byte clusters with 64-bit refcounts: a refcount table cluster covers 2 MiB, so it must grow often. */
    @Test
    void theRefcountTableGrowsAndCountsItself() throws Exception {
        Path img = dir.resolve("grow.qcow2");
        new Qcow2Format().create(img, 32 << 20, CreateOptions.of(Map.of("cluster_size", "512", "refcount_bits", "64")));
        byte[] data = new byte[1 << 20];
        new java.util.Random(1).nextBytes(data);
        try (Image q = Images.open(img, OpenOptions.readWriteDefaults().withMetadataCacheBytes(64 * 1024))) {
            for (int i = 0; i < 24; i++) {
                q.write((long) i << 20, ByteBuffer.wrap(data));
            }
        }
        Qemu.assertClean(img);
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "r")) {
            f.seek(56);
            assertTrue(f.readInt() > 1, "the refcount table did not grow");
        }
        try (Image q = Images.open(img, OpenOptions.readOnlyDefaults())) {
            for (int i = 0; i < 24; i++) {
                assertArrayEquals(data, q.readBytes((long) i << 20, data.length));
            }
        }
    }
}
