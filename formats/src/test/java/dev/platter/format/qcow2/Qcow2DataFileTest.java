package dev.platter.format.qcow2;

import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.ReferenceDeniedException;
import dev.platter.core.image.ReferenceResolver;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** External data files (incompatible bit 2), plain and raw: read, written, and opened through the gate. */
@RequiresTool({"qemu-img", "qemu-io"})
class Qcow2DataFileTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"off", "on"})
    void qemuWrittenDataFileReadsIdentically(String raw) throws Exception {
        Path img = dir.resolve("ext.qcow2");
        Path data = dir.resolve("ext.data");
        Qemu.img("create", "-q", "-f", "qcow2", "-o", "data_file=" + data + ",data_file_raw=" + raw
                + ",cluster_size=128k,extended_l2=on,refcount_bits=64", img.toString(), "8M").ok();
        Qemu.io(img, "qcow2", "write -P 1 0 300k", "write -z 1M 256k", "write -P 2 3M 4k", "discard 0 128k");
        byte[] expected = Qemu.content(img, dir);
        try (Image q = Images.open(img, OpenOptions.readOnlyDefaults())) {
            Qemu.assertSameContent(expected, Qemu.readAll(q, 65536), "data file " + raw);
            assertEquals(Qcow2InteropMatrixTest.qemuMap(img), Qcow2InteropMatrixTest.platterMap(q));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"off", "on"})
    void platterWrittenDataFileIsAcceptedByQemu(String raw) throws Exception {
        Path img = dir.resolve("ours.qcow2");
        Path data = dir.resolve("ours.data");
        new Qcow2Format().create(img, 8 << 20, CreateOptions.of(Map.of("data_file", data.toString(), "data_file_raw",
                raw, "cluster_size", "65536")));
        byte[] model = new byte[8 << 20];
        try (Image q = Images.open(img, OpenOptions.readWriteDefaults())) {
            byte[] b = new byte[200_000];
            Arrays.fill(b, (byte) 7);
            q.write(100_000, ByteBuffer.wrap(b));
            System.arraycopy(b, 0, model, 100_000, b.length);
            q.writeZeroes(131072, 65536);
            Arrays.fill(model, 131072, 131072 + 65536, (byte) 0);
            q.write((7 << 20) + 5, ByteBuffer.wrap(new byte[] {1, 2, 3}));
            model[(7 << 20) + 5] = 1;
            model[(7 << 20) + 6] = 2;
            model[(7 << 20) + 7] = 3;
            q.discard(3 << 20, 1 << 20);
            assertThrows(dev.platter.core.UnsupportedFeatureException.class,
                    () -> ((Qcow2Image) q).writeCompressedCluster(0, ByteBuffer.wrap(new byte[10])));
        }
        Qemu.assertClean(img);
        Path expected = dir.resolve("model.raw");
        Files.write(expected, model);
        Tool.Result cmp = Qemu.img("compare", "-f", "raw", "-F", "qcow2", expected.toString(), img.toString());
        assertEquals("Images are identical.\n", cmp.stdout(), cmp.stderr());
        if (raw.equals("on")) {
            assertArrayEquals(model, Files.readAllBytes(data)); // a raw data file is the disk by itself
        }
        String info = Qemu.img("info", "--output=json", img.toString()).ok().stdout();
        assertEquals(true, info.contains("\"data-file-raw\": " + (raw.equals("on") ? "true" : "false")), info);
    }

    @Test
    void theDataFileGoesThroughTheGate() throws Exception {
        Path img = dir.resolve("gated.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-o", "data_file=" + dir.resolve("gated.data"), img.toString(), "1M")
                .ok();
        Qemu.io(img, "qcow2", "write -P 9 0 4k");
        ReferenceResolver refuse = (referrer, reference, kind) -> {
            throw new ReferenceDeniedException(referrer, reference, kind, "not here");
        };
        try (Image q = Images.open(img, OpenOptions.readOnlyDefaults().withResolver(refuse))) {
            java.io.IOException e = assertThrows(java.io.IOException.class, () -> q.readBytes(0, 512));
            assertEquals(true, e.getMessage().contains("refusing to open data file"), e.getMessage());
            assertEquals("qcow2", q.info().format()); // metadata stays readable without the data file
        }
        // An untrusted image is refused as soon as it is opened, whatever the command would read.
        java.io.IOException e = assertThrows(ReferenceDeniedException.class,
                () -> Images.open(img, OpenOptions.untrusted()).close());
        assertEquals(true, e.getMessage().contains("refusing to open data file"), e.getMessage());
    }
}
