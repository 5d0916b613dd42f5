package dev.platter.inspect.ext4;

import dev.platter.core.BlockDevice;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.testdata.RequiresTool;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** One filesystem shared by several threads reading, listing and looking up at once gives what one thread sees. */
@RequiresTool({"mkfs.ext4", "debugfs", "e2fsck"})
class ExtConcurrencyTest {

    @Test
    void concurrentReadersSeeTheSameFilesystem() throws Exception {
        for (String variant : List.of("ext4", "ext3")) {
            try (Image image = Images.open(ExtImages.get(variant), OpenOptions.readOnlyDefaults().withFormat("raw"))) {
                Map<String, String> reference = snapshot(Ext4FileSystem.open(image, FsOptions.defaults()), 0);
                Ext4FileSystem shared = Ext4FileSystem.open(image, FsOptions.defaults());
                ExecutorService pool = Executors.newFixedThreadPool(6);
                try {
                    List<Future<Map<String, String>>> results = new ArrayList<>();
                    for (int t = 1; t <= 6; t++) {
                        int seed = t;
                        results.add(pool.submit(() -> snapshot(shared, seed)));
                    }
                    for (Future<Map<String, String>> f : results) {
                        assertEquals(reference, f.get(), variant);
                    }
                } finally {
                    pool.shutdownNow();
                }
            }
        }
    }

    /** Path -> digest of everything the API says about it, visiting the nodes in a seed-dependent order. */
    private static Map<String, String> snapshot(Ext4FileSystem fs, int seed) throws IOException, NoSuchAlgorithmException {
        List<Walk.Node> nodes = new ArrayList<>(Walk.all(fs));
        if (seed != 0) {
            Collections.shuffle(nodes, new Random(seed));
        }
        Map<String, String> out = new HashMap<>();
        for (Walk.Node n : nodes) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            long ino = n.entry().inode();
            md.update(fs.stat(ino).toString().getBytes());
            fs.xattrs(ino).forEach((k, v) -> {
                md.update(k.getBytes());
                md.update(v);
            });
            if (n.entry().type() == FileType.REGULAR) {
                BlockDevice f = fs.open(ino);
                ByteBuffer buf = ByteBuffer.allocate((int) Math.min(f.size(), 1 << 20));
                f.read(0, buf);
                md.update(buf.flip());
            } else if (n.entry().type() == FileType.SYMLINK) {
                md.update(fs.readlink(ino));
            }
            String path = n.path();
            int slash = path.lastIndexOf('/');
            md.update(String.valueOf(fs.lookup(parentInode(fs, path.substring(0, Math.max(slash, 1))),
                    Walk.bytes(path.substring(slash + 1))).inode()).getBytes());
            out.put(path, java.util.HexFormat.of().formatHex(md.digest()));
        }
        out.put("statfs", fs.statfs().toString());
        return out;
    }

    private static long parentInode(Ext4FileSystem fs, String dir) throws IOException {
        long ino = 2;
        if (dir.equals("/")) {
            return ino;
        }
        for (String part : dir.substring(1).split("/")) {
            ino = fs.lookup(ino, Walk.bytes(part)).inode();
        }
        return ino;
    }
}
