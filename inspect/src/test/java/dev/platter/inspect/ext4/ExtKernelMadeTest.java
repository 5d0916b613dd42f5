package dev.platter.inspect.ext4;

import dev.platter.core.BlockDevice;
import dev.platter.core.Extent;
import dev.platter.inspect.fs.DirEntry;
import dev.platter.inspect.fs.FileStat;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.testdata.RequiresTool;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Structures only the kernel writes (fixtures from make-ext-kernel-fixtures.sh; ExtMatchesDebugfsTest compares both
 * fixtures with debugfs in full): an inline directory continued in system.data, unwritten extents around a written
 * block, a 200-extent file, epoch-bit times; and a crashed filesystem read as it stands on disk.
 */
@RequiresTool({"debugfs"})
class ExtKernelMadeTest {

    @Test
    void kernelMadeShapes() throws IOException {
        Ext4FileSystem fs = ExtMatchesDebugfsTest.open("ext4-kernel").fs();
        long inl2 = ExtHostileTest.path(fs, "/inl2");
        assertTrue(fs.inode(inl2).hasFlag(Inode.FLAG_INLINE_DATA));
        assertEquals(128, fs.stat(inl2).size(), "60 bytes in i_block + 68 in system.data");
        assertEquals(List.of("aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc", "dddddddddddd", "eeeeeeeeeeee"),
                fs.list(inl2).stream().map(DirEntry::name).sorted().toList());
        for (DirEntry e : fs.list(inl2)) {
            assertEquals(e, fs.lookup(inl2, e.rawName()));
        }
        assertEquals(2, fs.lookup(inl2, "..".getBytes()).inode());

        long k100 = ExtHostileTest.path(fs, "/k100");
        assertTrue(fs.inode(k100).hasFlag(Inode.FLAG_INLINE_DATA));
        assertArrayEquals("0".repeat(100).getBytes(StandardCharsets.US_ASCII), fs.open(k100).readBytes(0, 100));

        BlockDevice unwritten = fs.open(ExtHostileTest.path(fs, "/k/unwritten"));
        Extent first = unwritten.mapping(0, Long.MAX_VALUE);
        assertEquals(Extent.Status.ZERO, first.status());
        assertEquals(4096, first.length());
        assertEquals(Extent.Status.DATA, unwritten.mapping(4096, Long.MAX_VALUE).status());
        assertEquals(Extent.Status.ZERO, unwritten.mapping(8192, Long.MAX_VALUE).status());
        assertArrayEquals(new byte[4096], unwritten.readBytes(0, 4096), "unwritten reads as zeros");
        assertEquals("written\n", new String(unwritten.readBytes(4096, 8), StandardCharsets.US_ASCII));
        assertArrayEquals(new byte[8192], unwritten.readBytes(1048576 - 8192, 8192));

        long frag = ExtHostileTest.path(fs, "/k/frag");
        Inode fragInode = fs.inode(frag);
        assertEquals(1, ExtentHeader.parse(fragInode.raw, Inode.I_BLOCK).depth(), "a depth-1 extent tree");
        BlockDevice f = fs.open(frag);
        int data = 0;
        for (long pos = 0; pos < f.size(); ) {
            Extent e = f.mapping(pos, Long.MAX_VALUE);
            if (e.status() == Extent.Status.DATA) {
                data++;
                assertEquals("frag" + (pos / 4096) + "\n", new String(f.readBytes(pos, 5 + String.valueOf(pos / 4096).length()),
                        StandardCharsets.US_ASCII));
            }
            pos = e.end();
        }
        assertEquals(200, data);

        FileStat y2200 = fs.stat(ExtHostileTest.path(fs, "/k/y2200"));
        assertEquals(Instant.parse("2200-01-01T00:00:00Z"), y2200.mtime());
        FileStat y1901 = fs.stat(ExtHostileTest.path(fs, "/k/y1901"));
        assertEquals(Instant.parse("1901-12-14T00:00:00Z"), y1901.mtime());
        assertEquals(60, fs.xattrs(ExtHostileTest.path(fs, "/k/many")).size());
        assertTrue(fs.warnings().isEmpty(), fs.warnings().toString());
    }

    @Test
    void aCrashedFilesystemIsReadAsItStandsOnDiskWithoutReplay() throws IOException {
        Ext4FileSystem fs = Ext4FileSystem.open(ByteDevice.of(ExtImages.get("ext4-kernel-dirty")),
                FsOptions.defaults().withReplayJournal(false));
        String warnings = fs.warnings().toString();
        assertTrue(warnings.contains("needs_recovery") && warnings.contains("without replaying the journal"), warnings);
        fs.statfs(); // the orphans the on-disk superblock names are processed, as a ro,norecovery mount does
        assertTrue(fs.warnings().toString().contains("orphan inodes: "), fs.warnings().toString());
        long k = ExtHostileTest.path(fs, "/k");
        assertNull(fs.lookup(k, "late".getBytes()), "/k/late was never committed");
        assertTrue(fs.lookup(k, "after".getBytes()) != null);
    }

    @Test
    void aCrashedFilesystemIsReadAsTheKernelMountsIt() throws IOException {
        Ext4FileSystem fs = Ext4FileSystem.open(ByteDevice.of(ExtImages.get("ext4-kernel-dirty")), FsOptions.defaults());
        String warnings = fs.warnings().toString();
        assertFalse(warnings.contains("needs_recovery"), warnings);
        assertFalse(warnings.contains("orphan"), "orphans are processed, not reported at open: " + warnings);
        fs.statfs();
        warnings = fs.warnings().toString();
        assertTrue(warnings.contains("orphan inodes: 1 unlinked while open"), warnings);
        assertTrue(fs.journalReplay() != null && fs.journalReplay().startsWith("journal replayed in memory"));
        long k = ExtHostileTest.path(fs, "/k");
        // What the kernel lists after recovering a copy (mount -o ro on a writable loop device, Linux 6.1): /k/late
        // never reached the journal (the shutdown did not commit it), the orphan is unlinked either way.
        List<String> names = new java.util.ArrayList<>();
        for (DirEntry e : fs.list(k)) {
            names.add(new String(e.rawName(), StandardCharsets.UTF_8));
        }
        java.util.Collections.sort(names);
        assertEquals(List.of("after", "frag", "hl_a", "hl_b", "inl", "many", "sym_long", "unwritten", "y1901", "y2200"),
                names);
    }
}
