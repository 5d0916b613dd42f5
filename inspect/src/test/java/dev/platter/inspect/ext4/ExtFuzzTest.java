package dev.platter.inspect.ext4;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.GuestFileSystem;
import dev.platter.inspect.testing.FsInvariants;
import dev.platter.inspect.testing.FuzzPatches;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing of the ext2/3/4 reader. The input damages the metadata of a small good image (superblock,
 * descriptors, bitmaps, inode tables, extent and index blocks, directory and htree blocks, xattr blocks; see
 * {@link FuzzPatches}): its first byte picks the image (fuzz-ext4: extents, htree, xattrs; fuzz-inline: the same
 * tree with inline data) and the checksum policy, the rest are patches. The images are what
 * testdata/scripts/make-ext-images.sh builds as fuzz-ext4 and fuzz-inline, stored here xz-compressed.
 *
 * <p>Every input is opened, walked and read with {@link FsInvariants} checking what it finds.
 */
class ExtFuzzTest {
    private static final String[] IMAGES = {"fuzz-ext4.img.xz", "fuzz-inline.img.xz"};
    private static final FsOptions[] MODES = {FsOptions.defaults(), new FsOptions(true, true),
        new FsOptions(false, false), new FsOptions(false, false)};
    private static final FuzzPatches[] BASES = new FuzzPatches[IMAGES.length];

    private static synchronized FuzzPatches base(int which) {
        if (BASES[which] == null) {
            try (InputStream in = new XZCompressorInputStream(ExtFuzzTest.class.getResourceAsStream(IMAGES[which]))) {
                ByteDevice image = new ByteDevice(in.readAllBytes());
                BASES[which] = FuzzPatches.recordedBy(image, d -> new FsInvariants(0).check(Ext4FileSystem.open(d,
                        FsOptions.defaults())));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return BASES[which];
    }

    @FuzzTest(maxDuration = "10m")
    void walkDamagedImage(byte[] data) {
        int choice = data.length == 0 ? 0 : data[0] & 0xFF;
        FuzzPatches base = base(choice % IMAGES.length);
        GuestFileSystem fs;
        try {
            fs = Ext4FileSystem.open(base.apply(data, 1), MODES[(choice >> 1) % MODES.length]);
        } catch (IOException refused) {
            return;
        }
        try (fs) {
            new FsInvariants(16 * 1024).check(fs);
        } catch (IOException closing) {
            // nothing to release for an in-memory image
        }
    }

    /** The good images open and walk cleanly, and give the fuzzer enough metadata to work on. */
    @Test
    void baseImagesAreGood() throws IOException {
        for (int i = 0; i < IMAGES.length; i++) {
            assertTrue(base(i).units() > 40, IMAGES[i] + ": " + base(i).units() + " metadata sectors");
            Ext4FileSystem fs = Ext4FileSystem.open(base(i).apply(new byte[0], 0), FsOptions.defaults());
            new FsInvariants(1 << 20).check(fs);
            assertEquals(java.util.List.of(), fs.warnings(), IMAGES[i]);
        }
    }
}
