package dev.platter.inspect.ext4;

import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.inspect.fs.DirEntry;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.testdata.RequiresTool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hashed directories: the three hash functions in both char variants against debugfs's dx_hash; 2-level htrees
 * built by e2fsck for each hash variant, including a directory of 100 000 names, listed in full and looked up
 * name by name through the index; the collision-continuation rule.
 */
@RequiresTool({"mkfs.ext4", "debugfs", "e2fsck"})
class ExtHtreeTest {
    private static final String SEED = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
    private static final int[] SEED_WORDS = {0xaaaaaaaa, 0xccccbbbb, 0xeeeedddd, 0xeeeeeeee};

    @Test
    void hashesMatchDebugfsDxHash() {
        List<String> names = new ArrayList<>(List.of("a", "hello", "lost+found", "file_000123_qqqq",
                "exactly16bytes__", "exactly-thirty-two-bytes-long-xx", "thirty-three-bytes-long-name-xxxx",
                "caf\u00e9", "\u00e9\u00fc\u00ff\u0080high", "n000007\u00e9\u00fc_xxxxxxx"));
        names.add("n".repeat(255));
        names.add("\u00ff".repeat(100));
        List<String> cmds = new ArrayList<>();
        for (String name : names) {
            for (int version = 0; version <= 5; version++) {
                cmds.add("dx_hash -h " + version + " -s " + SEED + " " + name);
                cmds.add("dx_hash -h " + version + " -s 00000000-0000-0000-0000-000000000000 " + name);
            }
        }
        Map<String, String> out = Debugfs.run(ExtImages.get("htree-tea-s"), cmds);
        Pattern p = Pattern.compile("Hash of .* is 0x([0-9a-f]+)");
        int checked = 0;
        for (String name : names) {
            byte[] raw = name.getBytes(StandardCharsets.ISO_8859_1);
            for (int version = 0; version <= 5; version++) {
                for (boolean seeded : new boolean[] {true, false}) {
                    String cmd = "dx_hash -h " + version + " -s "
                            + (seeded ? SEED : "00000000-0000-0000-0000-000000000000") + " " + name;
                    Matcher m = p.matcher(out.get(cmd));
                    assertTrue(m.find(), cmd + " -> " + out.get(cmd));
                    int expected = (int) Long.parseLong(m.group(1), 16);
                    assertEquals(expected, DirHash.hash(version, raw, seeded ? SEED_WORDS : new int[4]), cmd);
                    checked++;
                }
            }
        }
        assertEquals(names.size() * 12, checked);
    }

    @ParameterizedTest
    @ValueSource(strings = {"htree-100k", "htree-legacy-u", "htree-tea-s", "htree-md4-u"})
    void everyNameIsFoundThroughTheIndex(String variant) throws IOException {
        Path img = ExtImages.get(variant);
        try (Image image = Images.open(img, OpenOptions.readOnlyDefaults().withFormat("raw"))) {
            Ext4FileSystem fs = Ext4FileSystem.open(image, FsOptions.defaults());
            DirEntry big = fs.lookup(2, "big".getBytes());
            Directory dir = fs.directory(big.inode());
            assertTrue(dir.isIndexed());
            byte[] root = dir.block(0, fs.mapper(dir.inode()).map(0).physical());
            DxRoot dx = DxRoot.parse(root, fs.blockSize(), new String[1]);
            assertEquals(1, dx.indirectLevels(), "a 2-level tree");

            List<DirEntry> all = fs.list(big.inode());
            List<Debugfs.LsEntry> expected = Debugfs.parseLsP(Debugfs.one(img, "ls -p /big"));
            assertEquals(expected.size(), all.size());
            for (int i = 0; i < all.size(); i++) {
                assertEquals(expected.get(i).name(), new String(all.get(i).rawName(), StandardCharsets.ISO_8859_1));
                assertEquals(expected.get(i).inode(), all.get(i).inode());
            }
            HtreeLookup htree = new HtreeLookup(fs, dir);
            for (DirEntry e : all) {
                HtreeLookup.Result r = htree.find(e.rawName());
                assertNotNull(r, "index usable");
                assertNotNull(r.entry(), () -> "found " + e.name());
                assertEquals(e.inode(), r.entry().inode(), e.name());
                assertEquals(e, fs.lookup(big.inode(), e.rawName()));
            }
            for (String absent : List.of("absent", "n000001_y", "N000001_", "seed_0", "seed_201")) {
                HtreeLookup.Result r = htree.find(absent.getBytes(StandardCharsets.ISO_8859_1));
                assertNotNull(r);
                assertNull(r.entry(), absent);
                assertNull(fs.lookup(big.inode(), absent.getBytes(StandardCharsets.ISO_8859_1)));
            }
            assertEquals(big.inode(), fs.lookup(big.inode(), ".".getBytes()).inode());
            assertEquals(2, fs.lookup(big.inode(), "..".getBytes()).inode());
            assertTrue(fs.warnings().isEmpty(), fs.warnings().toString());
            assertTrue(all.size() >= (variant.equals("htree-100k") ? 100_200 : 3200), all.size() + " names");
        }
    }

    /**
     * Bit 0 of an index hash says the leaf continues a run of equal hashes from the previous leaf. Setting it on an
     * index entry moves the lookup of that leaf's first name to the previous leaf, where only the continuation rule
     * finds it.
     */
    @Test
    void collisionContinuationFollowsIntoTheNextLeaf() throws IOException {
        ByteDevice dev = ByteDevice.of(ExtImages.get("htree-tea-s"));
        FsOptions noChecksums = new FsOptions(false, false);
        Ext4FileSystem fs = Ext4FileSystem.open(dev, noChecksums);
        Directory dir = fs.directory(fs.lookup(2, "big".getBytes()).inode());
        BlockMapper m = fs.mapper(dir.inode());
        byte[] root = dir.block(0, m.map(0).physical());
        DxRoot dx = DxRoot.parse(root, fs.blockSize(), new String[1]);
        long nodeLogical = dx.entry(root, 0).block();
        long nodePhysical = m.map(nodeLogical).physical();
        byte[] node = dir.block(nodeLogical, nodePhysical);
        DxNode dn = DxNode.parse(node);
        assertTrue(dn.count() > 3);
        int k = 2;
        DxEntry target = dn.entry(node, k);
        byte[] leaf = dir.block(target.block(), m.map(target.block()).physical());
        Superblock sb = fs.superblock();
        int version = dx.hashVersion() + ((sb.flags & 2) != 0 ? 3 : 0);
        byte[][] name = new byte[1][];
        dir.scanRegion(leaf, 0, leaf.length, "leaf", (ino, b, off, len, type) -> {
            byte[] n = java.util.Arrays.copyOfRange(b, off, off + len);
            if (DirHash.hash(version, n, sb.hashSeed) == target.hash()) {
                name[0] = n;
                return false;
            }
            return true;
        });
        assertNotNull(name[0], "the leaf starts with a name hashing to its index hash");
        long expectedInode = fs.lookup(dir.inode().number, name[0]).inode();

        ByteDevice edited = dev.copy();
        int at = (int) (nodePhysical * fs.blockSize()) + DxNode.COUNT_OFFSET + k * DxEntry.SIZE;
        edited.bytes[at] |= 1;
        Ext4FileSystem fs2 = Ext4FileSystem.open(edited, noChecksums);
        DirEntry found = fs2.lookup(dir.inode().number, name[0]);
        assertNotNull(found);
        assertEquals(expectedInode, found.inode());
        assertTrue(fs2.warnings().isEmpty(), fs2.warnings().toString());
    }
}
