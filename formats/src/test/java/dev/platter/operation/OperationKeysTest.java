package dev.platter.operation;

import dev.platter.core.ProgressListener;
import dev.platter.core.crypto.Secret;
import dev.platter.core.crypto.Secrets;
import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageKeys;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.capability.BackingReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The keys of encrypted layers reach the format through every operation that opens images: convert (sources, a
 * target it creates with {@code key-secret=ID}, an existing target), compare, dd, measure, commit and rebase. The
 * format is {@link KeyedTestFormat}, which writes down what it was given.
 */
class OperationKeysTest {
    @TempDir
    Path dir;

    private final Secret k1 = Secret.of("one".getBytes(StandardCharsets.UTF_8));
    private final Secret k2 = Secret.of("two".getBytes(StandardCharsets.UTF_8));

    @BeforeEach
    void clear() {
        KeyedTestFormat.SEEN.clear();
    }

    private Path keyed(String name, long size) throws Exception {
        Path p = dir.resolve(name);
        Images.format(KeyedTestFormat.NAME).create(p, size, CreateOptions.none());
        return p;
    }

    private Path qcow2Over(String name, Path backing) throws Exception {
        Path p = dir.resolve(name);
        Images.format("qcow2").create(p, 1 << 20, CreateOptions.of(Map.of("backing_file", backing.toString(),
                "backing_fmt", "raw")));
        // qcow2's creation takes qemu's driver names only; the reference takes any.
        try (Image image = Images.open(p, OpenOptions.readWriteDefaults().withOpenBacking(false))) {
            image.capability(BackingReference.class).orElseThrow().setBackingFile(backing.toString(),
                    KeyedTestFormat.NAME);
        }
        return p;
    }

    @Test
    void convertOpensEachSourceWithItsOwnFormatAndKeys() throws Exception {
        Path a = keyed("a.src", 1 << 20);
        Path b = keyed("b.src", 1 << 20);
        Convert.run(ConvertOptions.builder(List.of(a, b), dir.resolve("out.raw"))
                .sourceFormats(Arrays.asList(KeyedTestFormat.NAME, null)).sourceFormat(KeyedTestFormat.NAME)
                .sourceKeys(List.of(ImageKeys.byLayer(List.of(k1)), ImageKeys.byLayer(List.of(k2)))).build(),
                ProgressListener.NONE);
        assertSame(k1, KeyedTestFormat.openedWith("a.src"));
        assertSame(k2, KeyedTestFormat.openedWith("b.src"));
    }

    @Test
    void aTargetConvertCreatesWithKeySecretIsCreatedAndOpenedWithThatSecret() throws Exception {
        Path src = keyed("plain.src", 1 << 20);
        try (Secrets secrets = Secrets.none().add("sec0", k1)) {
            Convert.run(ConvertOptions.builder(List.of(src), dir.resolve("made.tgt")).sourceFormat("raw")
                    .targetFormat(KeyedTestFormat.NAME).createOptions(Map.of("key-secret", "sec0")).secrets(secrets)
                    .build(), ProgressListener.NONE);
        }
        KeyedTestFormat.Seen created = KeyedTestFormat.SEEN.stream()
                .filter(s -> s.what().equals("create") && s.file().toString().contains("made.tgt")).findFirst()
                .orElseThrow();
        assertSame(k1, created.key());
        assertSame(k1, KeyedTestFormat.openedWith("made.tgt"));
    }

    @Test
    void anExistingTargetIsOpenedWithTheKeysGiven() throws Exception {
        Path src = keyed("plain2.src", 1 << 20);
        Path tgt = keyed("existing.tgt", 1 << 20);
        Convert.run(ConvertOptions.builder(List.of(src), tgt).sourceFormat("raw").targetFormat(KeyedTestFormat.NAME)
                .skipCreate(true).targetKeys(ImageKeys.byLayer(List.of(k2))).build(), ProgressListener.NONE);
        assertSame(k2, KeyedTestFormat.openedWith("existing.tgt"));
    }

    @Test
    void compareDdAndMeasureOpenWithTheKeysGiven() throws Exception {
        Path a = keyed("first.img", 1 << 20);
        Path b = keyed("second.img", 1 << 20);
        Compare.run(new CompareOptions(a, "first.img", KeyedTestFormat.NAME, b, "second.img", KeyedTestFormat.NAME,
                false, null, false, ImageKeys.byLayer(List.of(k1)), ImageKeys.byLayer(List.of(k2))),
                ProgressListener.NONE);
        assertSame(k1, KeyedTestFormat.openedWith("first.img"));
        assertSame(k2, KeyedTestFormat.openedWith("second.img"));

        Dd.run(new DdOptions(a, "first.img", KeyedTestFormat.NAME, dir.resolve("dd.raw"), "dd.raw", "raw", 512, -1,
                0, null, false, ImageKeys.byLayer(List.of(k2))));
        assertSame(k2, KeyedTestFormat.openedWith("first.img"));

        Measure.run(new MeasureOptions("raw", Map.of(), -1, b, "second.img", KeyedTestFormat.NAME, null, null, false,
                ImageKeys.byLayer(List.of(k1))));
        assertSame(k1, KeyedTestFormat.openedWith("second.img"));
    }

    @Test
    void commitReopensTheBaseWithTheKeyOfItsDepth() throws Exception {
        Path base = keyed("base.img", 1 << 20);
        Path top = qcow2Over("top.qcow2", base);
        Commit.run(new CommitOptions(top, "top.qcow2", "qcow2", null, false, null,
                ImageKeys.byLayer(Arrays.asList(null, k1))), ProgressListener.NONE);
        List<KeyedTestFormat.Seen> opens = KeyedTestFormat.SEEN.stream()
                .filter(s -> s.what().equals("open") && s.file().toString().equals("base.img")).toList();
        assertEquals(2, opens.size(), opens.toString()); // as the backing file, then on its own to be written
        opens.forEach(s -> assertSame(k1, s.key()));
    }

    @Test
    void rebaseGivesTheOldChainItsKeysAndTheNewBackingFileNone() throws Exception {
        Path old = keyed("old.img", 1 << 20);
        keyed("new.img", 1 << 20);
        Path top = qcow2Over("over.qcow2", old);
        Rebase.run(new RebaseOptions(top, "over.qcow2", "qcow2", "new.img", KeyedTestFormat.NAME, false, null, false,
                ImageKeys.byLayer(Arrays.asList(null, k1))), ProgressListener.NONE);
        assertSame(k1, KeyedTestFormat.openedWith("old.img"));
        assertNull(KeyedTestFormat.openedWith("new.img"));
    }
}
