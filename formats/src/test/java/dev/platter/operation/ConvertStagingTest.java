package dev.platter.operation;

import dev.platter.core.ProgressListener;
import dev.platter.core.storage.HostFiles;
import dev.platter.core.storage.Storage;
import dev.platter.core.testing.ForwardingStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An interrupted convert never leaves a file under the target's name that looks like a finished image: the target
 * is written under a hidden name and renamed into place when complete. Here every write point of a conversion is
 * made to fail in turn (as a full disk or an I/O error would): the target's name then holds nothing, or the file
 * that was there before, untouched; no hidden file is left behind.
 */
class ConvertStagingTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"raw", "qcow2"})
    void aFailureAtAnyWriteLeavesNoTarget(String format) throws Exception {
        Path src = source();
        int writes = countWrites(src, format);
        assertTrue(writes > 3, "only " + writes + " writes");
        for (int n = 0; n < writes; n++) {
            Path out = dir.resolve("out-" + n + "." + format);
            int failAt = n;
            assertThrows(IOException.class, () -> HostFiles.using(new FailingAfter(failAt),
                    () -> Convert.run(options(src, out, format), ProgressListener.NONE)), "write " + n);
            assertFalse(Files.exists(out), "a failure at write " + n + " left " + out.getFileName());
        }
        assertHiddenFilesGone();
    }

    @Test
    void anExistingTargetStaysIntactUntilTheNewOneIsComplete() throws Exception {
        Path src = source();
        Path out = dir.resolve("existing.raw");
        byte[] before = new byte[4096];
        new Random(7).nextBytes(before);
        Files.write(out, before);
        assertThrows(IOException.class, () -> HostFiles.using(new FailingAfter(2),
                () -> Convert.run(options(src, out, "raw"), ProgressListener.NONE)));
        assertArrayEquals(before, Files.readAllBytes(out));
        Convert.run(options(src, out, "raw"), ProgressListener.NONE);
        assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(out));
        assertHiddenFilesGone();
    }

    /**
     * With -n nothing is staged: the existing file is written in place (a second hard link to it sees the result,
     * its inode stays), as qemu-img writes it, and no hidden file appears beside it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"raw", "qcow2"})
    void withSkipCreateTheTargetIsWrittenInPlace(String format) throws Exception {
        Path src = source();
        Path out = dir.resolve("existing-n." + format);
        Convert.run(options(src, out, format), ProgressListener.NONE);
        Path link = dir.resolve("link-n." + format);
        Files.createLink(link, out);
        Object inode = Files.getAttribute(out, "unix:ino");
        Path other = dir.resolve("other.raw");
        byte[] b = new byte[3 << 20];
        new Random(9).nextBytes(b);
        Files.write(other, b);
        Convert.run(ConvertOptions.builder(List.of(other), out).targetFormat(format).skipCreate(true).build(),
                ProgressListener.NONE);
        assertEquals(inode, Files.getAttribute(out, "unix:ino"));
        Path back = dir.resolve("back.raw");
        Convert.run(ConvertOptions.builder(List.of(link), back).sourceFormat(format).targetFormat("raw").build(),
                ProgressListener.NONE);
        assertArrayEquals(b, Files.readAllBytes(back), "the other link sees the new content");
        assertHiddenFilesGone();
    }

    private Path source() throws IOException {
        Path src = dir.resolve("src.raw");
        byte[] b = new byte[3 << 20];
        Random r = new Random(1);
        for (int off = 0; off < b.length; off += 256 << 10) {
            byte[] chunk = new byte[64 << 10];
            r.nextBytes(chunk);
            System.arraycopy(chunk, 0, b, off, chunk.length);
        }
        Files.write(src, b);
        return src;
    }

    private ConvertOptions options(Path src, Path out, String format) {
        return ConvertOptions.builder(List.of(src), out).targetFormat(format).workers(1).build();
    }

    private int countWrites(Path src, String format) throws Exception {
        FailingAfter counter = new FailingAfter(Integer.MAX_VALUE);
        Path out = dir.resolve("count." + format);
        HostFiles.using(counter, () -> Convert.run(options(src, out, format), ProgressListener.NONE));
        Files.delete(out);
        return counter.writes.get();
    }

    private void assertHiddenFilesGone() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<String> hidden = files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList();
            assertEquals(List.of(), hidden);
        }
    }

    /** Opens real files whose writes fail from the {@code n}-th on (counted over every file written). */
    private static final class FailingAfter implements HostFiles.Opener {
        final AtomicInteger writes = new AtomicInteger();
        private final int n;

        FailingAfter(int n) {
            this.n = n;
        }

        @Override
        public Storage open(Path path, String name, boolean readOnly) throws IOException {
            Storage s = HostFiles.FILES.open(path, name, readOnly);
            return readOnly ? s : new Failing(s);
        }

        @Override
        public Storage create(Path path, boolean overwrite) throws IOException {
            return new Failing(HostFiles.FILES.create(path, overwrite));
        }

        private final class Failing extends ForwardingStorage {
            Failing(Storage inner) {
                super(inner);
            }

            private void count() throws IOException {
                if (writes.getAndIncrement() >= n) {
                    throw new IOException("injected failure at write " + n);
                }
            }

            @Override
            public void write(long pos, ByteBuffer src) throws IOException {
                count();
                inner.write(pos, src);
            }

            @Override
            public void setSize(long size) throws IOException {
                count();
                inner.setSize(size);
            }

            @Override
            public void punchHole(long pos, long len) throws IOException {
                count();
                inner.punchHole(pos, len);
            }

            @Override
            public void allocate(long pos, long len) throws IOException {
                count();
                inner.allocate(pos, len);
            }
        }
    }
}
