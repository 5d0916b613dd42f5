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

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing of jbd2 replay. The input damages what opening a dirty image reads (the superblock, the
 * journal inode and its extent, the journal superblock, descriptor, revoke and commit blocks and the logged blocks;
 * see {@link FuzzPatches}): its first byte picks the image (fuzz-journal: 64bit, csum v3; fuzz-journal-32: 32-bit
 * tags, no checksums; both made by testdata/scripts/make-ext-journal-images.sh, stored xz-compressed) and the
 * checksum policy, the rest are patches. Every input is opened with replay and the result walked with
 * {@link FsInvariants}: a refusal is an IOException, never a hang, an overflow or an unchecked exception.
 */
class JournalFuzzTest {
    private static final String[] IMAGES = {"fuzz-journal.img.xz", "fuzz-journal-32.img.xz"};
    private static final FsOptions[] MODES = {FsOptions.defaults(), new FsOptions(true, true),
        new FsOptions(false, false)};
    private static final FuzzPatches[] BASES = new FuzzPatches[IMAGES.length];

    private static synchronized FuzzPatches base(int which) {
        if (BASES[which] == null) {
            try (InputStream in = new XZCompressorInputStream(JournalFuzzTest.class.getResourceAsStream(IMAGES[which]))) {
                ByteDevice image = new ByteDevice(in.readAllBytes());
                BASES[which] = FuzzPatches.recordedBy(image, d -> Ext4FileSystem.open(d, FsOptions.defaults()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return BASES[which];
    }

    @FuzzTest(maxDuration = "10m")
    void replayDamagedJournal(byte[] data) {
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

    /** The seeds replay cleanly and give the fuzzer the journal's blocks to work on. */
    @Test
    void baseImagesReplay() throws IOException {
        for (int i = 0; i < IMAGES.length; i++) {
            assertTrue(base(i).units() > 20, IMAGES[i] + ": " + base(i).units() + " sectors");
            Ext4FileSystem fs = Ext4FileSystem.open(base(i).apply(new byte[0], 0), FsOptions.defaults());
            assertNotNull(fs.journalReplay(), IMAGES[i]);
            assertTrue(fs.journalReplay().contains("4 transactions"), fs.journalReplay());
            new FsInvariants(1 << 20).check(fs);
        }
    }
}
