package dev.platter.format.luks;

import dev.platter.core.crypto.Secret;
import dev.platter.core.crypto.Secrets;
import dev.platter.core.crypto.WrongPassphraseException;
import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageKeys;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.capability.Amendable;
import dev.platter.core.testing.CrashJournal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Key slot changes at every crash point ({@link CrashJournal}): whatever lands, the data and every key that was
 * there before still open the volume; a key being added works fully or not at all.
 */
class LuksCrashPointsTest {
    private static final byte[] OLD = "old key".getBytes(StandardCharsets.UTF_8);
    private static final byte[] NEW = "new key".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private Path image(byte[] data) throws IOException {
        Path img = dir.resolve("v.luks");
        Images.format("luks").create(img, data.length, CreateOptions.of(CreateOptions.parseList(
                "key-secret=k,iter-time=1")).withSecrets(Secrets.none().add("k", Secret.of(OLD))));
        try (Image i = open(img, OLD, false)) {
            i.write(0, ByteBuffer.wrap(data));
        }
        return img;
    }

    private static Image open(Path img, byte[] key, boolean readOnly) throws IOException {
        return Images.open(img, (readOnly ? OpenOptions.readOnlyDefaults() : OpenOptions.readWriteDefaults())
                .withFormat("luks").withKeys(ImageKeys.everyLayer(Secret.of(key))));
    }

    private static boolean opensTo(Path img, byte[] key, byte[] data) throws IOException {
        try (Image i = open(img, key, true)) {
            byte[] got = new byte[data.length];
            i.read(0, ByteBuffer.wrap(got));
            assertArrayEquals(data, got, "the data behind a key that opens");
            return true;
        } catch (WrongPassphraseException e) {
            return false;
        }
    }

    @Test
    void addingAKeyNeverLosesTheOldOne() throws Exception {
        byte[] data = new byte[64 << 10];
        Arrays.fill(data, (byte) 0x5c);
        Path img = image(data);
        CrashJournal journal = CrashJournal.record(() -> {
            try (Image i = open(img, OLD, false)) {
                i.capability(Amendable.class).orElseThrow().amend(Map.of("state", "active", "new-secret", "n",
                        "iter-time", "1"), Secrets.none().add("n", Secret.of(NEW)));
            }
        });
        check(journal, data, true);
    }

    @Test
    void erasingAKeyNeverLosesTheOther() throws Exception {
        byte[] data = new byte[64 << 10];
        Arrays.fill(data, (byte) 0x17);
        Path img = image(data);
        try (Image i = open(img, OLD, false)) {
            i.capability(Amendable.class).orElseThrow().amend(Map.of("state", "active", "new-secret", "n",
                    "iter-time", "1"), Secrets.none().add("n", Secret.of(NEW)));
        }
        CrashJournal journal = CrashJournal.record(() -> {
            try (Image i = open(img, NEW, false)) {
                i.capability(Amendable.class).orElseThrow().amend(Map.of("state", "inactive", "old-secret", "o"),
                        Secrets.none().add("o", Secret.of(OLD)));
            }
        });
        check(journal, data, false);
    }

    /** @param oldMustOpen the old key must open at every point (adding); else the new one must (erasing) */
    private void check(CrashJournal journal, byte[] data, boolean oldMustOpen) throws Exception {
        Path crash = Files.createDirectories(dir.resolve("crash"));
        int states = journal.eachState(crash, (n, tear, what) -> {
            Path img = crash.resolve("v.luks");
            boolean oldOpens = opensTo(img, OLD, data);
            boolean newOpens = opensTo(img, NEW, data);
            assertTrue(oldMustOpen ? oldOpens : newOpens, what);
        });
        assertTrue(states > 3, "crash states checked: " + states);
        System.out.println("luks key slot change: " + journal.size() + " events, " + states + " crash states");
    }
}
