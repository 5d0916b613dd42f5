package dev.platter.core.testing;

import dev.platter.core.Extent;
import dev.platter.core.ReadOnlyDeviceException;
import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageFormat;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.HostFiles;
import dev.platter.core.storage.Storage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every image format promises through the SPI. A format proves itself by extending this class with its name
 * (and, where it has them, creation options worth covering); the model of the disk's content is a plain byte
 * array that every check compares against.
 */
public abstract class ImageFormatContract {
    /** Not a multiple of any cluster size, so that the last partial unit is covered too. */
    protected static final long SIZE = (3L << 20) + 512;

    @TempDir
    protected Path dir;

    /** The format under test, as {@code -f} names it. */
    protected abstract String formatName();

    /** Creation options for the images this suite creates. */
    protected Map<String, String> createOptions() {
        return Map.of();
    }

    /** The secrets {@link #createOptions} name (an encrypted format's key). */
    protected dev.platter.core.crypto.Secrets secrets() {
        return dev.platter.core.crypto.Secrets.none();
    }

    /** The keys the suite's opens pass (an encrypted format's key). */
    protected dev.platter.core.image.ImageKeys keys() {
        return dev.platter.core.image.ImageKeys.none();
    }

    /** The format of the backing file in the overlay test (a format whose overlays take only its own: itself). */
    protected String backingFormat() {
        return "raw";
    }

    /** What probing takes a new image for: its format, unless qemu probes it as another (a fixed VHD: raw). */
    protected String probedAs() {
        return formatName();
    }

    /** Whether images with {@link #createOptions} can have a backing file (a flat VMDK cannot). */
    protected boolean takesBackingFile() throws IOException {
        return format().supportsBackingFile();
    }

    protected final ImageFormat format() throws IOException {
        return Images.format(formatName());
    }

    /** Creates an image for a test; a variant the format's options cannot ask for (a test-only door) overrides it. */
    protected Path create(String name, long size) throws IOException {
        Path p = dir.resolve(name);
        format().create(p, size, CreateOptions.of(createOptions()).withSecrets(secrets()));
        return p;
    }

    protected final Image open(Path p, boolean readOnly) throws IOException {
        OpenOptions o = (readOnly ? OpenOptions.readOnlyDefaults() : OpenOptions.readWriteDefaults())
                .withFormat(formatName()).withKeys(keys());
        return Images.open(p, o);
    }

    private static byte[] pattern(int len, int seed) {
        byte[] b = new byte[len];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static void write(Image img, byte[] model, long pos, byte[] data) throws IOException {
        img.write(pos, ByteBuffer.wrap(data));
        System.arraycopy(data, 0, model, (int) pos, data.length);
    }

    private static void assertContent(Image img, byte[] model) throws IOException {
        assertEquals(model.length, img.size(), "size");
        for (int pos = 0; pos < model.length; pos += 1 << 20) {
            int len = Math.min(1 << 20, model.length - pos);
            assertArrayEquals(Arrays.copyOfRange(model, pos, pos + len), img.readBytes(pos, len), "bytes at " + pos);
        }
    }

    /** A few writes at awkward places: unaligned, across cluster boundaries, the last sector. */
    private static void scribble(Image img, byte[] model) throws IOException {
        write(img, model, 0, pattern(4096, 1));
        write(img, model, 65536 - 100, pattern(300, 2));
        write(img, model, (1 << 20) + 7, pattern(70_000, 3));
        write(img, model, SIZE - 512, pattern(512, 4));
    }

    @Test
    void aNewImageHasItsSizeReadsAsZerosAndProbesAsItsFormat() throws IOException {
        Path p = create("new.img", SIZE);
        try (Image img = open(p, true)) {
            assertEquals(SIZE, img.size());
            assertEquals(formatName(), img.formatName());
            assertContent(img, new byte[(int) SIZE]);
            for (long pos = 0; pos < SIZE; ) {
                Extent e = img.mapping(pos, SIZE - pos);
                assertTrue(e.readsAsZero() || isZero(img.readBytes(e.start(), (int) e.length())),
                        "a new image maps data that is not zero at " + pos);
                pos = e.end();
            }
        }
        try (Storage s = HostFiles.open(p, p.toString(), true)) {
            assertEquals(probedAs(), Images.probe(s).name(), "probe");
        }
    }

    @Test
    void writesReadBackBeforeAndAfterReopening() throws IOException {
        Path p = create("rw.img", SIZE);
        byte[] model = new byte[(int) SIZE];
        try (Image img = open(p, false)) {
            scribble(img, model);
            assertContent(img, model);
            img.flush();
        }
        try (Image img = open(p, true)) {
            assertContent(img, model);
        }
    }

    @Test
    void writeZeroesAndDiscardMakeRangesReadAsZeros() throws IOException {
        Path p = create("zero.img", SIZE);
        byte[] model = new byte[(int) SIZE];
        try (Image img = open(p, false)) {
            write(img, model, 0, pattern((int) SIZE, 5));
            img.writeZeroes(4096, 65536);
            Arrays.fill(model, 4096, 4096 + 65536, (byte) 0);
            img.writeZeroes(100_000, 1000); // unaligned
            Arrays.fill(model, 100_000, 101_000, (byte) 0);
            img.discard(1 << 20, 1 << 20);
            Arrays.fill(model, 1 << 20, 2 << 20, (byte) 0);
            assertContent(img, model);
        }
        try (Image img = open(p, true)) {
            assertContent(img, model);
        }
    }

    @Test
    void boundsAreStrict() throws IOException {
        Path p = create("bounds.img", SIZE);
        try (Image img = open(p, false)) {
            assertThrows(EOFException.class, () -> img.read(SIZE - 1, ByteBuffer.allocate(2)));
            assertThrows(EOFException.class, () -> img.write(SIZE, ByteBuffer.allocate(1)));
            assertThrows(EOFException.class, () -> img.writeZeroes(SIZE - 512, 1024));
            assertThrows(IllegalArgumentException.class, () -> img.read(-1, ByteBuffer.allocate(1)));
            assertThrows(IllegalArgumentException.class, () -> img.write(-512, ByteBuffer.allocate(512)));
            img.read(SIZE, ByteBuffer.allocate(0)); // an empty read at the end is fine
        }
    }

    @Test
    void theMappingTilesTheDeviceAndDataLiesWhereItWasWritten() throws IOException {
        Path p = create("map.img", SIZE);
        byte[] model = new byte[(int) SIZE];
        try (Image img = open(p, false)) {
            scribble(img, model);
            img.flush();
            long pos = 0;
            int runs = 0;
            while (pos < SIZE) {
                Extent e = img.mapping(pos, SIZE - pos);
                assertEquals(pos, e.start(), "runs must be contiguous");
                assertTrue(e.length() > 0 && e.end() <= SIZE, "run inside the device: " + e);
                if (e.readsAsZero()) {
                    assertTrue(isZero(Arrays.copyOfRange(model, (int) e.start(), (int) e.end())),
                            "a run mapped as zero holds written data: " + e);
                }
                Extent clipped = img.mapping(pos, 512);
                assertTrue(clipped.length() <= 512 && clipped.status() == e.status(), "maxLen honoured: " + e);
                pos = e.end();
                assertTrue(++runs < 100_000, "mapping does not advance");
            }
        }
    }

    @Test
    void concurrentReadersSeeTheWrittenBytes() throws Exception {
        Path p = create("threads.img", SIZE);
        byte[] model = new byte[(int) SIZE];
        try (Image img = open(p, false)) {
            write(img, model, 0, pattern((int) SIZE, 6));
        }
        try (Image img = open(p, true)) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> all = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int seed = t;
                    all.add(pool.submit(() -> {
                        Random r = new Random(seed);
                        for (int i = 0; i < 200; i++) {
                            int len = 1 + r.nextInt(20_000);
                            int pos = r.nextInt((int) SIZE - len);
                            assertArrayEquals(Arrays.copyOfRange(model, pos, pos + len), img.readBytes(pos, len));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : all) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aReadOnlyOpenRefusesWritesAndLeavesTheFileAlone() throws Exception {
        Path p = create("ro.img", SIZE);
        byte[] before = digest(p);
        long modified = Files.getLastModifiedTime(p).toMillis();
        try (Image img = open(p, true)) {
            assertTrue(img.isReadOnly());
            assertThrows(ReadOnlyDeviceException.class, () -> img.write(0, ByteBuffer.allocate(512)));
            assertThrows(ReadOnlyDeviceException.class, () -> img.writeZeroes(0, 512));
            img.readBytes(0, 4096);
            img.mapping(0, SIZE);
        }
        assertArrayEquals(before, digest(p));
        assertEquals(modified, Files.getLastModifiedTime(p).toMillis());
    }

    @Test
    void anOverlayReadsThroughToItsBackingFileAndWritesOnlyItself() throws IOException {
        if (!takesBackingFile()) {
            Map<String, String> o = new java.util.HashMap<>(createOptions());
            o.put("backing_file", "base." + backingFormat());
            o.put("backing_fmt", backingFormat());
            assertThrows(Exception.class, () -> format().create(dir.resolve("top.img"), SIZE,
                            CreateOptions.of(o).withSecrets(secrets())),
                    "a backing file must be refused");
            return;
        }
        String baseFormat = backingFormat();
        Path base = dir.resolve("base." + baseFormat);
        Images.format(baseFormat).create(base, SIZE, CreateOptions.none());
        byte[] model = new byte[(int) SIZE];
        try (Image b = Images.open(base, OpenOptions.readWriteDefaults().withFormat(baseFormat))) {
            write(b, model, 0, pattern((int) SIZE, 7));
        }
        byte[] baseBytes = model.clone();
        Path top = dir.resolve("top.img");
        Map<String, String> o = new java.util.HashMap<>(createOptions());
        o.put("backing_file", base.getFileName().toString());
        o.put("backing_fmt", baseFormat);
        format().create(top, SIZE, CreateOptions.of(o).withSecrets(secrets()));
        try (Image img = open(top, false)) {
            assertContent(img, model);
            assertEquals(1, img.mapping(0, SIZE).depth(), "an untouched overlay answers from its backing file");
            write(img, model, 8192, pattern(4096, 8));
            img.discard(1 << 20, 65536); // reads as the backing file again
            assertContent(img, model);
            assertEquals(0, img.mapping(8192, 4096).depth());
        }
        try (Image b = Images.open(base, OpenOptions.readOnlyDefaults().withFormat(baseFormat))) {
            assertContent(b, baseBytes);
        }
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] digest(Path p) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
    }
}
