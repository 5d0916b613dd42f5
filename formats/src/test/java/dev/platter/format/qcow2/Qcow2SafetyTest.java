package dev.platter.format.qcow2;

import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.ImageSafety;
import dev.platter.core.image.Images;
import dev.platter.core.image.ReferenceKind;
import dev.platter.core.image.SafetyFinding;
import dev.platter.core.image.SafetyFinding.Category;
import dev.platter.core.image.SafetyReport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The qcow2 findings of the safety inspection, on images Platter writes and then damages field by field. */
class Qcow2SafetyTest {
    @TempDir
    Path dir;

    private Path img;

    @BeforeEach
    void create() throws IOException {
        img = dir.resolve("disk.qcow2");
        Images.format("qcow2").create(img, 1 << 20, CreateOptions.none());
    }

    private SafetyReport inspect() throws IOException {
        return ImageSafety.inspect(img, img.toString(), null);
    }

    private void patch(long offset, ByteBuffer bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
            ch.write(bytes.flip(), offset);
        }
    }

    private void patchLong(long offset, long v) throws IOException {
        patch(offset, ByteBuffer.allocate(8).putLong(v));
    }

    private void patchInt(long offset, int v) throws IOException {
        patch(offset, ByteBuffer.allocate(4).putInt(v));
    }

    private static List<String> messages(SafetyReport r, Category c) {
        return r.findings().stream().filter(f -> f.category() == c).map(SafetyFinding::message).toList();
    }

    @Test
    void aFreshImageIsSafe() throws IOException {
        SafetyReport r = inspect();
        assertEquals("qcow2", r.format());
        assertEquals(List.of(), r.findings());
        assertTrue(r.safe());
    }

    @Test
    void theBackingFileIsReportedWithItsStoredNameAndFormat() throws IOException {
        Files.delete(img);
        Images.format("qcow2").create(img, 1 << 20, new CreateOptions(Map.of("backing_file", "../vm/base.raw",
                "backing_fmt", "raw"), null, true));
        SafetyReport r = inspect();
        assertEquals(List.of(SafetyFinding.reference(ReferenceKind.BACKING_FILE, "../vm/base.raw",
                "backing file '../vm/base.raw' (a relative path leaving the image's folder), format raw")),
                r.findings());
    }

    @Test
    void anExternalDataFileWithoutANameIsStillAReference() throws IOException {
        patchLong(72, 4); // incompatible bit 2: external data file; no data file extension
        SafetyReport r = inspect();
        assertEquals(List.of(SafetyFinding.reference(ReferenceKind.DATA_FILE, "",
                "external data file, its name not stored (the opener would have to name one)")), r.findings());
    }

    @Test
    void encryptionAndAnUnknownCompressionTypeAreFeatures() throws IOException {
        patchInt(32, 3); // crypt_method 3: no such method
        patch(104, ByteBuffer.allocate(1).put((byte) 7)); // compression type 7, without its incompatible bit
        SafetyReport r = inspect();
        assertEquals(List.of("Unsupported encryption method: 3", "Unknown compression type 7"),
                messages(r, Category.FEATURE));
        assertEquals(List.of("corrupt qcow2 header at offset 104 (0x68): the compression type is not zlib but its "
                + "incompatible bit is not set"), messages(r, Category.STRUCTURE));
    }

    @Test
    void aHeaderThatDoesNotParseIsOneFinding() throws IOException {
        patchInt(20, 30); // cluster_bits 30
        SafetyReport r = inspect();
        assertEquals(List.of(SafetyFinding.of(Category.FEATURE, "Unsupported cluster size: 2^30")), r.findings());
        patchInt(20, 16);
        patchInt(100, 1 << 20); // header_length past the cluster
        assertEquals(List.of(SafetyFinding.of(Category.STRUCTURE, "corrupt qcow2 header at offset 100 (0x64): "
                + "qcow2 header exceeds cluster size")), inspect().findings());
    }

    @Test
    void tablesPastTheEndOfTheFileAreReported() throws IOException {
        long size = Files.size(img);
        patchInt(56, 4); // refcount_table_clusters: 4 (256 KiB from offset 64 KiB), the file is smaller
        patchInt(60, 3); // three snapshots
        patchLong(64, 1L << 24); // at 16 MiB
        SafetyReport r = inspect();
        assertEquals(List.of(
                "the reference count table (offset 65536, 262144 bytes) runs past the end of the file (" + size
                        + " bytes)",
                "the snapshot table (offset 16777216, 120 bytes) runs past the end of the file (" + size
                        + " bytes)"), messages(r, Category.STRUCTURE));
    }
}
