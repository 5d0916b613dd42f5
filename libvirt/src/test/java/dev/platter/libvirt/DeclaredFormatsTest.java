package dev.platter.libvirt;

import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.ReferenceResolver;
import dev.platter.testdata.BootSector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Backing images of a domain's disks open with the declared or recorded format, never a probed one. */
class DeclaredFormatsTest {
    @TempDir
    Path dir;

    @Test
    void aBackingFileWithoutRecordedFormatOpensOnlyWhenTheDomainDeclaresIt() throws IOException {
        Path base = BootSector.writeRawDisk(dir.resolve("base.img"), 1 << 20);
        Path top = dir.resolve("top.qcow2");
        Images.format("qcow2").create(top, 1 << 20, CreateOptions.of(Map.of("backing_file", base.toString())));
        OpenOptions qcow2 = OpenOptions.readOnlyDefaults().withFormat("qcow2");
        try (Image image = Images.open(top, qcow2.withOpenBacking(false))) {
            assertNull(image.info().backingFormat(), "precondition: the overlay records no backing format");
        }

        IOException e = assertThrows(IOException.class, () -> Images.open(top, qcow2.withResolver(
                DeclaredFormats.of(ReferenceResolver.relativeToImage(), List.of()))).close());
        assertTrue(e.getMessage().contains("refusing to probe it"), e.getMessage());

        DomainDisk declared = new DomainDisk("disk", "qcow2", DiskSource.file(top.toString()),
                List.of(new BackingLayer("raw", DiskSource.file(base.toString()))), true, "vda", "virtio", false);
        try (Image image = Images.open(top, qcow2.withResolver(
                DeclaredFormats.of(ReferenceResolver.relativeToImage(), List.of(declared))))) {
            assertEquals("raw", image.backing().formatName());
            ByteBuffer b = ByteBuffer.allocate(2);
            image.read(510, b);
            assertEquals(0x55, b.get(0) & 0xff);
        }
    }
}
