package dev.platter.format;

import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.ReferenceKind;
import dev.platter.core.image.ReferenceResolver;
import dev.platter.core.storage.MemoryStorage;
import dev.platter.core.storage.Storage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every file an image names is opened by the gate: backing images (which a caller may inject) and data files. */
class ReferenceGateTest {
    @TempDir
    Path dir;

    @Test
    void anInjectedBackingImageAnswersTheReference() throws IOException {
        Path overlay = dir.resolve("top.qcow2");
        Images.format("qcow2").create(overlay, 1 << 20, new CreateOptions(Map.of("backing_file", "absent.raw",
                "backing_fmt", "raw"), null, true));
        MemoryStorage memory = new MemoryStorage("in-memory base", 1 << 20);
        memory.write(4096, ByteBuffer.wrap(new byte[] {7, 7, 7}));
        Image base = Images.format("raw").open(memory, OpenOptions.readOnlyDefaults());
        OpenOptions options = OpenOptions.readOnlyDefaults()
                .withResolver(ReferenceResolver.relativeToImage().withBacking("absent.raw", base));
        try (Image top = Images.open(overlay, options)) {
            assertSame(base, top.backing());
            ByteBuffer b = ByteBuffer.allocate(3);
            top.read(4096, b);
            assertEquals(7, b.get(0));
            assertEquals(1, top.mapping(4096, 512).depth());
        }
    }

    @Test
    void theDataFileIsOpenedThroughTheGateAndListedAmongTheStorages() throws Exception {
        Path image = dir.resolve("img.qcow2");
        // Absolute: qemu-img creates a relative data file in the working folder, and so does Platter.
        Path data = dir.resolve("img.data");
        Images.format("qcow2").create(image, 1 << 20, CreateOptions.of(Map.of("data_file", data.toString())));
        List<String> opened = new ArrayList<>();
        ReferenceResolver counting = new ReferenceResolver() {
            @Override
            public Path resolve(Path referrer, String reference, ReferenceKind kind) throws IOException {
                return ReferenceResolver.relativeToImage().resolve(referrer, reference, kind);
            }

            @Override
            public Storage openFile(Path referrer, String reference, ReferenceKind kind, String shown,
                                    boolean readOnly) throws IOException {
                opened.add(kind + " " + reference);
                return ReferenceResolver.super.openFile(referrer, reference, kind, shown, readOnly);
            }
        };
        try (Image img = Images.open(image, OpenOptions.readWriteDefaults().withResolver(counting))) {
            assertEquals(1, img.storages().size());
            img.write(0, ByteBuffer.wrap(new byte[512]));
            assertEquals(List.of("DATA_FILE " + data), opened);
            assertEquals(2, img.storages().size());
            assertTrue(img.storages().get(1).name().endsWith("img.data"));
            assertSame(img.storages().get(1), img.mapping(0, 512).host());
        }
        assertTrue(Files.size(data) > 0);
    }
}
