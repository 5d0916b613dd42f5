package dev.platter.operation;

import dev.platter.core.ProgressListener;
import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.format.qcow2.Qcow2Format;
import dev.platter.format.raw.RawFormat;
import dev.platter.testdata.LoopDevice;
import dev.platter.testdata.RequiresLoopDevices;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Images on host block devices through the API (loop devices): raw "created" on a device as qemu-img creates it,
 * convert and dd written into a device in place (never staged beside it) with everything the source does not hold
 * zeroed (a device does not read as zeros, whether or not the target was "created"), and qcow2 on a device read
 * but not written.
 */
@RequiresLoopDevices
class BlockDeviceTargetTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    /** A file of {@code size} bytes of 0xff: a device whose old content must not show through. */
    private Path stale(String name, int size) throws IOException {
        Path f = dir.resolve(name);
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) 0xff);
        Files.write(f, b);
        return f;
    }

    /** A sparse raw source: data pieces with holes and zero-filled data between them. */
    private byte[] source(Path file, int size) throws IOException {
        byte[] b = new byte[size];
        Random r = new Random(3);
        for (int off = 4096; off + 300_000 < size; off += 1_000_000) {
            byte[] chunk = new byte[200_000];
            r.nextBytes(chunk);
            System.arraycopy(chunk, 0, b, off, chunk.length);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int off = 0; off < size; off += 4096) {
                boolean zero = true;
                for (int i = off; i < off + 4096 && zero; i++) {
                    zero = b[i] == 0;
                }
                if (!zero) {
                    ch.write(ByteBuffer.wrap(b, off, 4096), off);
                }
            }
            ch.truncate(size);
        }
        if (Files.size(file) < size) {
            try (var raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(size);
            }
        }
        return b;
    }

    private static byte[] read(Path device, int len) throws IOException {
        try (FileChannel ch = FileChannel.open(device, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(len);
            while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
                // read on
            }
            return b.array();
        }
    }

    private static void assertNoHiddenFileIn(Path folder, LoopDevice loop) throws IOException {
        String hidden = "." + loop.path().getFileName() + ".platter-";
        try (Stream<Path> s = Files.list(folder)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(hidden)), "a staged file in " + folder);
        }
    }

    @Test
    void rawCreateOnADeviceZeroesTheFirstSectorOnly() throws Exception {
        Path file = stale("create.img", 4 * MIB);
        try (LoopDevice loop = LoopDevice.attach(file)) {
            RawFormat raw = new RawFormat();
            raw.create(loop.path(), MIB + 1, CreateOptions.none());
            byte[] after = read(loop.path(), 4 * MIB);
            byte[] expected = new byte[4 * MIB];
            Arrays.fill(expected, 512, expected.length, (byte) 0xff);
            assertArrayEquals(expected, after);
            assertEquals("Cannot grow device files", assertThrows(IllegalArgumentException.class,
                    () -> raw.create(loop.path(), 4 * MIB + 512, CreateOptions.none())).getMessage());
            assertEquals("Unsupported preallocation mode 'full'", assertThrows(IllegalArgumentException.class,
                    () -> raw.create(loop.path(), MIB, CreateOptions.of(Map.of("preallocation", "full"))))
                    .getMessage());
            // The whole device, exactly: fine; size 0 clears the first sector too, as qemu-img's create does.
            raw.create(loop.path(), 4 * MIB, CreateOptions.none());
            try (FileChannel ch = FileChannel.open(loop.path(), StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[] {1}), 0);
            }
            // A qcow2 image created on the device overwrites its start (cli's BlockDeviceMatchesQemuImgTest compares
            // every byte with qemu-img's).
            new Qcow2Format().create(loop.path(), MIB, CreateOptions.none());
            assertEquals('Q', read(loop.path(), 1)[0]);
            raw.create(loop.path(), 0, CreateOptions.none());
            assertEquals(0, read(loop.path(), 1)[0]);
        }
        try (LoopDevice ro = LoopDevice.attach(file, 512, true)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new RawFormat().create(ro.path(), MIB, CreateOptions.none()));
            assertEquals("Protocol driver 'host_device' does not support image creation, and opening the image "
                    + "failed: The device is not writable: Permission denied", e.getMessage());
        }
    }

    /**
     * Convert into a device, created (no -n) or not: the source's bytes, zeros where the source has holes or zero
     * data (the device's 0xff must not show through), the device's tail past the source untouched; written in
     * place. With --target-is-zero the caller's promise is believed, as qemu-img believes it.
     */
    @Test
    void convertWritesADeviceInPlaceAndZeroesWhatTheSourceDoesNotHold() throws Exception {
        Path src = dir.resolve("src.raw");
        byte[] content = source(src, 5 * MIB);
        for (String mode : List.of("create", "-n", "-n --target-is-zero", "dd")) {
            Path file = stale("conv.img", 8 * MIB);
            try (LoopDevice loop = LoopDevice.attach(file)) {
                if (mode.equals("dd")) {
                    Dd.run(new DdOptions(src, src.toString(), "raw", loop.path(), loop.toString(), "raw",
                            DdOptions.DEFAULT_BLOCK_SIZE, -1, 0, null, false));
                } else {
                    ConvertOptions o = ConvertOptions.builder(List.of(src), loop.path()).sourceFormat("raw")
                            .targetFormat("raw").skipCreate(mode.startsWith("-n"))
                            .targetIsZero(mode.endsWith("zero")).build();
                    Convert.run(o, ProgressListener.NONE);
                }
                byte[] after = read(loop.path(), 8 * MIB);
                byte[] expected = Arrays.copyOf(content, 8 * MIB);
                Arrays.fill(expected, 5 * MIB, 8 * MIB, (byte) 0xff);
                if (mode.endsWith("zero")) {
                    // Only the data runs are written: holes keep the device's old bytes.
                    for (int off = 0; off < 5 * MIB; off += 4096) {
                        boolean zero = true;
                        for (int i = off; i < off + 4096 && zero; i++) {
                            zero = content[i] == 0;
                        }
                        if (zero) {
                            Arrays.fill(expected, off, off + 4096, (byte) 0xff);
                        }
                    }
                }
                assertArrayEquals(expected, after, mode);
                assertNoHiddenFileIn(loop.path().getParent(), loop);
            }
        }
    }

    @Test
    void convertRefusesASourceLargerThanTheDevice() throws Exception {
        Path src = dir.resolve("big.raw");
        source(src, 3 * MIB);
        Path file = stale("small.img", 2 * MIB);
        try (LoopDevice loop = LoopDevice.attach(file)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Convert.run(
                    ConvertOptions.builder(List.of(src), loop.path()).targetFormat("raw").build(),
                    ProgressListener.NONE));
            assertEquals(loop + ": error while converting raw: Cannot grow device files", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Convert.run(
                    ConvertOptions.builder(List.of(src), loop.path()).targetFormat("raw").skipCreate(true).build(),
                    ProgressListener.NONE));
            assertEquals("output file is smaller than input file", e.getMessage());
        }
        byte[] still = Files.readAllBytes(file);
        byte[] ff = new byte[2 * MIB];
        Arrays.fill(ff, (byte) 0xff);
        assertArrayEquals(ff, still, "nothing written");
    }

    /**
     * qcow2 on a device (as LVM-backed guests keep it): read like a file, written in place, its new clusters taken
     * after the last one in use (the device's tail holds old bytes, and no metadata points at them).
     */
    @Test
    void qcow2OnADeviceIsReadAndWritten() throws Exception {
        Path q = dir.resolve("img.qcow2");
        new Qcow2Format().create(q, 4 * MIB, CreateOptions.none());
        byte[] data = new byte[65536];
        new Random(5).nextBytes(data);
        try (Image img = Images.open(q, OpenOptions.readWriteDefaults())) {
            img.write(MIB, ByteBuffer.wrap(data));
        }
        // Old bytes after the image, as a device reused for it would have.
        try (var raf = new java.io.RandomAccessFile(q.toFile(), "rw")) {
            long end = raf.length();
            raf.setLength(16 * MIB);
            byte[] stale = new byte[(int) (16 * MIB - end)];
            Arrays.fill(stale, (byte) 0xff);
            raf.seek(end);
            raf.write(stale);
        }
        try (LoopDevice loop = LoopDevice.attach(q)) {
            try (Image img = Images.open(loop.path(), OpenOptions.readOnlyDefaults())) {
                assertEquals("qcow2", img.formatName());
                assertEquals(4 * MIB, img.size());
                ByteBuffer back = ByteBuffer.allocate(data.length);
                img.read(MIB, back);
                assertArrayEquals(data, back.array());
            }
            byte[] more = new byte[3 * 65536];
            new Random(6).nextBytes(more);
            try (Image img = Images.open(loop.path(), OpenOptions.readWriteDefaults())) {
                img.write(2 * MIB, ByteBuffer.wrap(more));
                img.capability(dev.platter.core.image.capability.InternalSnapshots.class).orElseThrow()
                        .createSnapshot("s1");
                img.write(MIB, ByteBuffer.wrap(more, 0, 65536));
                assertEquals(16 * MIB, img.storage().size(), "a device keeps its size");
            }
            try (Image img = Images.open(loop.path(), OpenOptions.readOnlyDefaults())) {
                assertArrayEquals(Arrays.copyOf(more, 65536), img.readBytes(MIB, 65536));
                assertArrayEquals(more, img.readBytes(2 * MIB, more.length));
                assertEquals(0, img.readBytes(0, 4096)[0]);
            }
            Tool.Result check = Tool.run("qemu-img", "check", "-f", "qcow2", loop.path().toString());
            assertEquals(0, check.exitCode(), check.stdout() + check.stderr());
        }
    }
}
