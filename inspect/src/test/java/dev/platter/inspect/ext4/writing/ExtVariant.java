package dev.platter.inspect.ext4.writing;

import java.util.ArrayList;
import java.util.List;

/**
 * One way mke2fs (e2fsprogs 1.47) makes an ext filesystem for the writer's tests: the type, the block size, the
 * features turned on or off, the size.
 *
 * @param name      a short name for messages and parameters
 * @param type      mke2fs -t (ext2, ext3, ext4)
 * @param blockSize mke2fs -b
 * @param features  mke2fs -O (comma-separated; "^x" turns x off), or "" for the type's defaults
 * @param sizeMiB   the image's size
 */
public record ExtVariant(String name, String type, int blockSize, String features, int sizeMiB) {

    public static final ExtVariant EXT2_1K = new ExtVariant("ext2-1k", "ext2", 1024, "", 16);
    public static final ExtVariant EXT2_4K = new ExtVariant("ext2-4k", "ext2", 4096, "", 32);
    public static final ExtVariant EXT3_1K = new ExtVariant("ext3-1k", "ext3", 1024, "", 16);
    public static final ExtVariant EXT3_4K = new ExtVariant("ext3-4k", "ext3", 4096, "", 32);
    public static final ExtVariant EXT4_4K = new ExtVariant("ext4-4k", "ext4", 4096, "", 32);
    public static final ExtVariant EXT4_1K = new ExtVariant("ext4-1k", "ext4", 1024, "", 16);
    public static final ExtVariant EXT4_NOCSUM = new ExtVariant("ext4-nocsum", "ext4", 4096, "^metadata_csum", 32);
    public static final ExtVariant EXT4_INLINE = new ExtVariant("ext4-inline", "ext4", 4096, "inline_data", 32);
    public static final ExtVariant EXT4_INLINE_1K =
            new ExtVariant("ext4-inline-1k", "ext4", 1024, "inline_data", 16);
    public static final ExtVariant EXT4_NO64 = new ExtVariant("ext4-no64bit", "ext4", 4096, "^64bit", 32);
    public static final ExtVariant EXT4_1K_NOCSUM_NO64 =
            new ExtVariant("ext4-1k-nocsum-no64bit", "ext4", 1024, "^metadata_csum,^64bit", 16);
    public static final ExtVariant EXT4_128M = new ExtVariant("ext4-128m", "ext4", 4096, "", 128);

    /** Every variant, in a fixed order. */
    public static List<ExtVariant> all() {
        return List.of(EXT2_1K, EXT2_4K, EXT3_1K, EXT3_4K, EXT4_4K, EXT4_1K, EXT4_NOCSUM, EXT4_INLINE, EXT4_INLINE_1K,
                EXT4_NO64, EXT4_1K_NOCSUM_NO64, EXT4_128M);
    }

    public static ExtVariant named(String name) {
        for (ExtVariant v : all()) {
            if (v.name.equals(name)) {
                return v;
            }
        }
        throw new IllegalArgumentException("no ext variant " + name);
    }

    /** ext3 and ext4 have a journal (mke2fs's defaults); ext2 has none. */
    public boolean journaled() {
        return !type.equals("ext2");
    }

    /** The mke2fs command line for {@code image}, populated from {@code from} when it is not null. */
    public List<String> mkfsCommand(String image, String from) {
        List<String> cmd = new ArrayList<>(List.of("mke2fs", "-F", "-q", "-t", type, "-b", Integer.toString(blockSize)));
        if (!features.isEmpty()) {
            cmd.addAll(List.of("-O", features));
        }
        // Fixed UUID and hash seed: the same variant gives the same image (with E2FSPROGS_FAKE_TIME).
        cmd.addAll(List.of("-U", "6d1f1a2e-3c4b-4a5d-8e6f-708192a3b4c5", "-E",
                "hash_seed=0b9c2a4e-1d3f-4e5a-9b6c-7d8e9fa0b1c2"));
        if (from != null) {
            cmd.addAll(List.of("-d", from));
        }
        cmd.add(image);
        cmd.add(sizeMiB + "M");
        return cmd;
    }

    @Override
    public String toString() {
        return name;
    }
}
