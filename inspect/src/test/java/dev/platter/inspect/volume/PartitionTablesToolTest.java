package dev.platter.inspect.volume;

import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.inspect.testing.SfdiskDump;
import dev.platter.testdata.Fixtures;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Partition tables written by sfdisk, sgdisk and fdisk read as sfdisk itself reads them back. */
@RequiresTool({"sfdisk", "sgdisk"})
class PartitionTablesToolTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void expand() {
        for (String f : List.of("guest-mbr.raw", "guest-lvm-a.raw", "guest-4kn-gpt.raw", "guest-4kn-mbr.raw",
                "guest-whole.raw", "guest-lvm-b.raw")) {
            Fixtures.expand(f, dir);
        }
    }

    private static PartitionTable read(Path image, int sectorSize) throws IOException {
        try (Image img = Images.open(image, OpenOptions.readOnlyDefaults().withFormat("raw"))) {
            return PartitionTables.read(img, sectorSize);
        }
    }

    /** Every data partition sfdisk lists, at the same place, with the same type, number and names. */
    private static void assertMatches(Path image, int sectorSize, PartitionTable table) {
        SfdiskDump dump = SfdiskDump.of(image, sectorSize);
        assertEquals(dump.label().equals("dos") ? "msdos" : dump.label(), table.scheme());
        assertEquals(sectorSize, table.sectorSize());
        assertEquals(dump.entries().size(), table.partitions().size(), () -> table.partitions().toString());
        for (SfdiskDump.Entry e : dump.entries()) {
            Partition p = table.partition(e.number());
            assertNotNull(p, "partition " + e.number());
            assertEquals(e.start() * sectorSize, p.start(), "start of " + e.number());
            assertEquals(e.size() * sectorSize, p.tableLength(), "size of " + e.number());
            if (table.isGpt()) {
                assertEquals(e.type().toLowerCase(Locale.ROOT), p.typeGuid().toString());
                assertEquals(e.uuid().toLowerCase(Locale.ROOT), p.uniqueGuid().toString());
                assertEquals(e.name(), p.name());
            } else {
                assertEquals(Integer.parseInt(e.type(), 16), p.mbrType());
                assertEquals(e.bootable(), p.bootable());
                assertEquals(p.isExtended() ? Math.min(Math.max(1024, sectorSize), p.tableLength()) : p.tableLength(),
                        p.length());
            }
        }
        assertTrue(table.warnings().isEmpty(), table.warnings().toString());
    }

    @Test
    void mbrWithLogicalPartitions() throws IOException {
        Path img = dir.resolve("guest-mbr.raw");
        PartitionTable t = read(img, PartitionTables.PROBE);
        assertMatches(img, 512, t);
        assertEquals(0x12345678L, t.diskSignature());
        assertEquals(List.of(1, 2, 3, 5, 6, 7), t.partitions().stream().map(Partition::number).toList());
        assertEquals(Partition.Kind.EXTENDED, t.partition(3).kind());
        assertEquals(1024, t.partition(3).length());
    }

    @Test
    void gpt() throws IOException {
        Path img = dir.resolve("guest-lvm-a.raw");
        assertMatches(img, 512, read(img, PartitionTables.PROBE));
    }

    @Test
    void gpt4kn() throws IOException {
        Path img = dir.resolve("guest-4kn-gpt.raw");
        PartitionTable t = read(img, PartitionTables.PROBE);
        assertMatches(img, 4096, t);
        assertMatches(img, 4096, read(img, 4096));
    }

    @Test
    void mbr4knIsProbedFromItsContents() throws IOException {
        Path img = dir.resolve("guest-4kn-mbr.raw");
        PartitionTable t = read(img, PartitionTables.PROBE);
        assertMatches(img, 4096, t);
        assertEquals(List.of(1, 2, 5), t.partitions().stream().map(Partition::number).toList());
        assertEquals(4096, t.partition(2).length(), "an extended stub is one 4096-byte sector");
        assertMatches(img, 512, read(img, 512));
    }

    @Test
    void noTableOnWholeDiskFilesystemOrPv() throws IOException {
        assertNull(read(dir.resolve("guest-whole.raw"), PartitionTables.PROBE));
        assertNull(read(dir.resolve("guest-lvm-b.raw"), PartitionTables.PROBE));
    }

    @Test
    void sfdiskLayoutsWithManyLogicalsAndOtherExtendedTypes() throws IOException {
        Path img = dir.resolve("many.raw");
        Tool.run("truncate", "-s", "64M", img.toString()).ok();
        String script = "label: dos\n"
                + "start=63, size=2000, type=83\n"
                + "start=4096, size=8192, type=f\n"      // LBA extended
                + "start=4160, size=500, type=83\n"
                + "start=5000, size=500, type=82\n"
                + "start=6000, size=500, type=7\n"
                + "start=7000, size=500, type=8e\n"
                + "start=20000, size=3000, type=c\n";
        Tool.Result r = runWithInput(script, "sfdisk", "-q", img.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        PartitionTable t = read(img, 512);
        assertMatches(img, 512, t);
        assertEquals(List.of(1, 2, 3, 5, 6, 7, 8), t.partitions().stream().map(Partition::number).toList());
    }

    @Test
    void sgdiskSparseSlots() throws IOException {
        Path img = dir.resolve("sparse.raw");
        Tool.run("truncate", "-s", "32M", img.toString()).ok();
        Tool.run("sgdisk", "-n", "3:2048:+4M", "-t", "3:8300", "-c", "3:third", "-n", "7:0:+2M", "-t", "7:EF00",
                "-n", "128:0:+1M", "-t", "128:8200", img.toString()).ok();
        PartitionTable t = read(img, PartitionTables.PROBE);
        assertMatches(img, 512, t);
        assertEquals(List.of(3, 7, 128), t.partitions().stream().map(Partition::number).toList());
    }

    private static Tool.Result runWithInput(String input, String... command) throws IOException {
        Path in = dir.resolve("stdin.txt");
        java.nio.file.Files.writeString(in, input);
        return Tool.run("sh", "-c", String.join(" ", command) + " < " + in);
    }

}
