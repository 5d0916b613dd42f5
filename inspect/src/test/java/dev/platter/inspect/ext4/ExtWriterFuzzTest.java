package dev.platter.inspect.ext4;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.platter.inspect.fs.DirEntry;
import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.WritableFileSystem;
import dev.platter.inspect.fs.WritableFileSystem.Attributes;
import dev.platter.inspect.testing.FuzzPatches;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Coverage-guided fuzzing of the ext writer on damaged images (the reader's fuzz images and patches, {@link
 * ExtFuzzTest}): open for writing, then a fixed round of operations on what the root holds (create, mkdir, write
 * into the new directory, replace, truncate, rename, unlink, rmdir, commit). Anything but an IOException (a refusal
 * naming the structure) is a finding, as is a hang or an unbounded allocation.
 */
class ExtWriterFuzzTest {
    private static final String[] IMAGES = {"fuzz-ext4.img.xz", "fuzz-inline.img.xz"};
    private static final FuzzPatches[] BASES = new FuzzPatches[IMAGES.length];

    private static synchronized FuzzPatches base(int which) {
        if (BASES[which] == null) {
            try (InputStream in = new XZCompressorInputStream(ExtFuzzTest.class.getResourceAsStream(IMAGES[which]))) {
                ByteDevice image = new ByteDevice(in.readAllBytes());
                BASES[which] = FuzzPatches.recordedBy(image, d -> {
                    Ext4FileSystem fs = Ext4FileSystem.open(d, FsOptions.defaults());
                    new dev.platter.inspect.testing.FsInvariants(0).check(fs);
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return BASES[which];
    }

    @FuzzTest(maxDuration = "10m")
    void writeIntoDamagedImage(byte[] data) {
        int choice = data.length == 0 ? 0 : data[0] & 0xFF;
        FuzzPatches base = base(choice % IMAGES.length);
        try {
            var patched = base.apply(data, 1);
            byte[] bytes = new byte[(int) patched.size()];
            patched.read(0, ByteBuffer.wrap(bytes));
            MemoryDevice device = new MemoryDevice(bytes);
            try (WritableFileSystem fs = new Ext4Driver().openWritable(device, FsOptions.defaults())) {
                exercise(fs);
            }
        } catch (IOException refused) {
            // a damaged image refused by name: what is asked of it
        }
    }

    /** One round of every operation, each allowed to fail with an IOException. */
    static void exercise(WritableFileSystem fs) throws IOException {
        long root = fs.rootInode();
        List<DirEntry> entries = fs.list(root);
        attempt(() -> fs.createFile(root, b("new-file"), Attributes.of(0644), new ByteArrayInputStream(new byte[9000]),
                9000));
        long[] dir = {-1};
        attempt(() -> dir[0] = fs.mkdir(root, b("new-dir"), Attributes.of(0755)));
        if (dir[0] > 0) {
            for (int i = 0; i < 40; i++) {
                int n = i;
                attempt(() -> fs.createFile(dir[0], b("name-" + n + "-" + "x".repeat(n * 5)), Attributes.of(0644),
                        new ByteArrayInputStream(b("content " + n)), ("content " + n).length()));
            }
        }
        for (DirEntry e : entries.subList(0, Math.min(6, entries.size()))) {
            if (e.type() == FileType.REGULAR) {
                attempt(() -> fs.replaceContent(e.inode(), new ByteArrayInputStream(new byte[5000]), 5000));
                attempt(() -> fs.truncate(e.inode(), 100));
                attempt(() -> fs.rename(root, e.rawName(), root, b("renamed")));
                attempt(() -> fs.unlink(root, b("renamed")));
            } else if (e.type() == FileType.DIRECTORY) {
                attempt(() -> fs.rmdir(root, e.rawName()));
                attempt(() -> fs.symlink(e.inode(), b("link"), b("../somewhere"), Attributes.of(0777)));
            }
        }
        attempt(fs::commit);
    }

    private interface Op {
        void run() throws IOException;
    }

    private static void attempt(Op op) {
        try {
            op.run();
        } catch (IOException refused) {
            // refused by name
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The undamaged images take the whole round and stay consistent for the reader. */
    @Test
    void baseImagesTakeEveryOperation() throws IOException {
        for (int i = 0; i < IMAGES.length; i++) {
            var patched = base(i).apply(new byte[0], 0);
            byte[] bytes = new byte[(int) patched.size()];
            patched.read(0, ByteBuffer.wrap(bytes));
            MemoryDevice device = new MemoryDevice(bytes);
            try (WritableFileSystem fs = new Ext4Driver().openWritable(device, FsOptions.defaults())) {
                exercise(fs);
            }
            Ext4FileSystem after = Ext4FileSystem.open(new ByteDevice(device.bytes), FsOptions.defaults());
            new dev.platter.inspect.testing.FsInvariants(1 << 20).check(after);
            assertEquals(List.of(), after.warnings(), IMAGES[i]);
            assertEquals(41, after.list(after.lookup(after.rootInode(), b("new-dir")).inode()).size() + 1,
                    IMAGES[i]);
        }
    }
}
