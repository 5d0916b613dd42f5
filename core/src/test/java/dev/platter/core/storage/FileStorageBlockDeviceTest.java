package dev.platter.core.storage;

import dev.platter.core.Extent;
import dev.platter.core.StorageDevice;
import dev.platter.testdata.LoopDevice;
import dev.platter.testdata.RequiresLoopDevices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FileStorage} on host block devices (loop devices over files in a temporary folder): a fixed size, all
 * data, qemu's refusals to resize, kernel zeroing with the neighbouring bytes kept, direct writes aligned to the
 * logical block size, read-only devices, and create opening a device in place.
 */
class FileStorageBlockDeviceTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    /** A file of {@code size} bytes of random data (seeded), to put behind a loop device. */
    private byte[] backing(Path file, int size) throws IOException {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        Files.write(file, data);
        return data;
    }

    @Test
    @RequiresLoopDevices
    void aDeviceIsAllDataOfItsOwnFixedSize() throws Exception {
        Path file = dir.resolve("dev.img");
        byte[] data = backing(file, 8 * MIB);
        try (LoopDevice loop = LoopDevice.attach(file)) {
            try (FileStorage s = FileStorage.open(loop.path(), true)) {
                assertTrue(s.isBlockDevice());
                assertEquals(8 * MIB, s.size());
                assertEquals(512, s.logicalBlockSize());
                assertEquals(new HostRun(true, 8 * MIB), s.run(0));
                assertEquals(new HostRun(true, 3 * MIB), s.run(5 * MIB));
                assertEquals(0, s.allocatedBytes(), "a device node has no blocks of its own (qemu: disk size 0 B)");
                ByteBuffer all = ByteBuffer.allocate(8 * MIB);
                s.readFully(0, all);
                assertArrayEquals(data, all.array());
                assertEquals(0, s.readAt(8 * MIB, ByteBuffer.allocate(512)));
            }
            try (FileStorage s = FileStorage.open(loop.path(), false)) {
                s.setSize(8 * MIB);
                assertEquals("Cannot resize device files",
                        assertThrows(IOException.class, () -> s.setSize(4 * MIB)).getMessage());
                assertEquals("Cannot resize device files",
                        assertThrows(IOException.class, () -> s.setSize(16 * MIB)).getMessage());
                s.allocate(0, 8 * MIB);
                assertEquals("Cannot grow device files",
                        assertThrows(IOException.class, () -> s.allocate(8 * MIB - 512, 1024)).getMessage());
                assertThrows(IOException.class, () -> s.write(8 * MIB - 512, ByteBuffer.allocate(1024)));
                assertEquals(8 * MIB, s.size());
                // A raw image over it: every byte is data with its own offset, as qemu-img map shows a device.
                StorageDevice raw = new StorageDevice(s, s.size());
                assertEquals(Extent.data(0, 8 * MIB, 0, s), raw.mapping(0, Long.MAX_VALUE));
            }
        }
    }

    /** Zeroing on 512- and 4096-byte-sector devices: exactly the range, whatever its alignment. */
    @Test
    @RequiresLoopDevices
    void zeroingClearsExactlyTheRange() throws Exception {
        for (int sector : new int[] {512, 4096}) {
            Path file = dir.resolve("z" + sector + ".img");
            byte[] expected = backing(file, 4 * MIB);
            long[][] ranges = {{0, 512}, {1000, 10_000}, {65536, MIB}, {2 * MIB - 4096, 4096 + 700},
                {3 * MIB + 3, 5}, {4 * MIB - 8192, 8192}};
            try (LoopDevice loop = LoopDevice.attach(file, sector, false)) {
                try (FileStorage s = FileStorage.open(loop.path(), false)) {
                    assertEquals(sector, s.logicalBlockSize());
                    for (long[] r : ranges) {
                        s.punchHole(r[0], r[1]);
                        Arrays.fill(expected, (int) r[0], (int) (r[0] + r[1]), (byte) 0);
                    }
                    // Past the end: nothing (as for a file).
                    s.punchHole(4 * MIB, MIB);
                    ByteBuffer back = ByteBuffer.allocate(4 * MIB);
                    s.readFully(0, back);
                    assertArrayEquals(expected, back.array(), "through the device, " + sector + "-byte sectors");
                }
            }
            // Detached, the device's writes are in the file.
            assertArrayEquals(expected, Files.readAllBytes(file), "in the file, " + sector + "-byte sectors");
        }
    }

    /**
     * Direct writes on a 4096-byte-sector device: only writes aligned to 4096 go to O_DIRECT (a 512-aligned one
     * would be refused by the device), and reads see every write, cached or direct.
     */
    @Test
    @RequiresLoopDevices
    void directWritesHonourTheLogicalBlockSize() throws Exception {
        Path file = dir.resolve("direct.img");
        byte[] expected = backing(file, 4 * MIB);
        Random rnd = new Random(11);
        try (LoopDevice loop = LoopDevice.attach(file, 4096, false)) {
            try (FileStorage s = FileStorage.open(loop.path(), false)) {
                assertTrue(s.bypassPageCacheForAlignedWrites(0));
                assertTrue(s.directAlignment() >= 4096, "alignment " + s.directAlignment());
                int[][] writes = {{0, MIB}, {512, 512}, {4096 + 17, 333}, {MIB - 100, 9000}, {8192, 65536},
                    {2 * MIB, 4096}, {2 * MIB + 1024, 1024}, {0, 4096}, {3 * MIB, MIB}};
                for (int[] w : writes) {
                    byte[] d = new byte[w[1]];
                    rnd.nextBytes(d);
                    System.arraycopy(d, 0, expected, w[0], w[1]);
                    ByteBuffer buf = ByteBuffer.allocateDirect(w[1] + 8192).alignedSlice(4096).slice(0, w[1]);
                    buf.put(d).flip();
                    s.write(w[0], buf);
                    assertEquals(0, buf.remaining());
                }
                ByteBuffer back = ByteBuffer.allocate(4 * MIB);
                s.readFully(0, back);
                assertArrayEquals(expected, back.array());
            }
            try (FileChannel ch = FileChannel.open(loop.path(), StandardOpenOption.READ)) {
                ByteBuffer back = ByteBuffer.allocate(4 * MIB);
                while (back.hasRemaining() && ch.read(back, back.position()) > 0) {
                    // read on
                }
                assertArrayEquals(expected, back.array(), "another open of the device");
            }
        }
    }

    @Test
    @RequiresLoopDevices
    void aReadOnlyDeviceOpensOnlyForReading() throws Exception {
        Path file = dir.resolve("ro.img");
        backing(file, MIB);
        try (LoopDevice loop = LoopDevice.attach(file, 512, true)) {
            IOException e = assertThrows(IOException.class, () -> FileStorage.open(loop.path(), false).close());
            assertEquals(loop + ": The device is not writable: Permission denied", e.getMessage());
            try (FileStorage s = FileStorage.open(loop.path(), true)) {
                assertEquals(MIB, s.size());
            }
        }
    }

    /** Creating over a device opens it in place: nothing is truncated, it is locked as qemu's create locks it. */
    @Test
    @RequiresLoopDevices
    void createOpensADeviceInPlace() throws Exception {
        Path file = dir.resolve("create.img");
        byte[] data = backing(file, 2 * MIB);
        try (LoopDevice loop = LoopDevice.attach(file)) {
            assertThrows(FileAlreadyExistsException.class, () -> FileStorage.create(loop.path(), false));
            assertNull(StagedFile.begin(loop.path(), loop.toString()), "a device is written in place");
            try (FileStorage s = FileStorage.create(loop.path(), true)) {
                assertTrue(s.isBlockDevice());
                assertEquals(2 * MIB, s.size());
                ByteBuffer back = ByteBuffer.allocate(2 * MIB);
                s.readFully(0, back);
                assertArrayEquals(data, back.array());
                // qemu's create on a device shares everything: a second one gets in, a writer that shares no
                // writing (qcow2) does not.
                FileStorage.create(loop.path(), true).close();
                try (FileStorage w = FileStorage.open(loop.path(), false)) {
                    IOException locked = assertThrows(IOException.class, () -> w.lock(ImageLock.writer(true)));
                    assertEquals("Failed to get shared \"write\" lock", locked.getMessage());
                }
            }
            try (FileStorage w = FileStorage.open(loop.path(), false)) {
                w.lock(ImageLock.writer(true));
                IOException locked = assertThrows(IOException.class, () -> FileStorage.create(loop.path(), true));
                assertEquals(loop + ": Failed to get \"write\" lock", locked.getMessage());
            }
        }
        assertArrayEquals(data, Files.readAllBytes(file));
    }

    /** Character devices (/dev/null, /dev/zero) are not storage, as before. */
    @Test
    void characterDevicesAreRefused() {
        Path devNull = Path.of("/dev/null");
        if (!Files.exists(devNull) || Files.isRegularFile(devNull)) {
            return;
        }
        assertFalse(FileStorage.isBlockDevice(devNull));
        IOException e = assertThrows(IOException.class, () -> FileStorage.open(devNull, true).close());
        assertEquals("/dev/null: not a regular file or block device", e.getMessage());
    }
}
