package dev.platter.format.qcow;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.crypto.Secret;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageKeys;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.MemoryStorage;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hostile qcow (version 1) images end in one-line errors naming the structure, with qemu's words where it has them. */
class QcowHostileInputTest {
    static Image open(byte[] file) throws IOException {
        MemoryStorage s = new MemoryStorage("hostile.qcow", file.length);
        s.write(0, ByteBuffer.wrap(file));
        return new QcowFormat().open(s, OpenOptions.readOnlyDefaults().withFormat("qcow").withOpenBacking(false));
    }

    private static <T extends IOException> void fails(Class<T> kind, byte[] file, String expected) {
        T e = assertThrows(kind, () -> {
            try (Image image = open(file)) {
                for (long pos = 0; pos < image.size(); pos = image.mapping(pos, image.size() - pos).end()) {
                    image.readBytes(pos, (int) Math.min(4096, image.size() - pos));
                }
            }
        });
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static byte[] patchLong(byte[] f, int at, long value) {
        ByteBuffer.wrap(f).putLong(at, value);
        return f;
    }

    private static byte[] patchByte(byte[] f, int at, int value) {
        f[at] = (byte) value;
        return f;
    }

    @Test
    void theTinyImageIsSound() throws IOException {
        try (Image image = open(new TinyQcow().build())) {
            assertEquals(64 << 10, image.size());
            assertEquals(1, image.readBytes(0, 1)[0]);
            assertEquals(2, image.readBytes(512, 1)[0]);
            assertEquals(0, image.readBytes(1024, 1)[0]);
            assertEquals(0x5c, image.readBytes(1536 + 511, 1)[0]);
            assertEquals(3, image.readBytes(2048, 1)[0]);
        }
    }

    @Test
    void headerFieldsQemuRefuses() {
        fails(CorruptImageException.class, new byte[10], "Image not in qcow format");
        byte[] v2 = new TinyQcow().build();
        ByteBuffer.wrap(v2).putInt(4, 2);
        fails(UnsupportedFeatureException.class, v2, "qcow (v1) does not support qcow version 2");
        fails(CorruptImageException.class, patchLong(new TinyQcow().build(), 24, 1),
                "Image size is too small (must be at least 2 bytes)");
        TinyQcow aes = new TinyQcow();
        aes.crypt = 1;
        fails(IOException.class, aes.build(), "Parameter 'encrypt.key-secret' is required for cipher");
        TinyQcow other = new TinyQcow();
        other.crypt = 7;
        fails(CorruptImageException.class, other.build(), "invalid encryption method in qcow header");
    }

    @Test
    void anEncryptedClusterOffSectorBoundariesIsDamage() throws IOException {
        TinyQcow aes = new TinyQcow();
        aes.crypt = 1;
        byte[] file = patchLong(aes.build(), 1024, 1536 + 8);
        MemoryStorage s = new MemoryStorage("hostile.qcow", file.length);
        s.write(0, ByteBuffer.wrap(file));
        OpenOptions o = OpenOptions.readOnlyDefaults().withFormat("qcow").withOpenBacking(false)
                .withKeys(ImageKeys.everyLayer(Secret.of("PW".getBytes(StandardCharsets.UTF_8))));
        try (Image image = new QcowFormat().open(s, o)) {
            CorruptImageException e = assertThrows(CorruptImageException.class, () -> image.readBytes(0, 512));
            assertTrue(e.getMessage().contains("the encrypted cluster at offset 0 lies at 1544, not on a sector "
                    + "boundary"), e.getMessage());
            assertEquals(512, image.readBytes(512, 512).length); // the next cluster is aligned: readable
        }
    }

    @Test
    void absurdClusterAndTableSizes() {
        for (int bits : new int[] {0, 8, 17, 255}) {
            fails(CorruptImageException.class, patchByte(new TinyQcow().build(), 32, bits),
                    "Cluster size must be between 512 and 64k");
        }
        for (int bits : new int[] {0, 5, 14, 200}) {
            fails(CorruptImageException.class, patchByte(new TinyQcow().build(), 33, bits),
                    "L2 table size must be between 512 and 64k");
        }
    }

    @Test
    void hugeSizesAndL1Tables() {
        fails(CorruptImageException.class, patchLong(new TinyQcow().build(), 24, -1L), "Image too large");
        fails(CorruptImageException.class, patchLong(new TinyQcow().build(), 24, 1L << 60), "Image too large");
        fails(CorruptImageException.class, patchLong(new TinyQcow().build(), 24, 1L << 40),
                "entries run past the end of the file");
    }

    @Test
    void tablesAndClustersOutsideTheFile() {
        fails(CorruptImageException.class, patchLong(new TinyQcow().build(), 40, 1L << 50),
                "entries run past the end of the file");
        fails(CorruptImageException.class, patchLong(new TinyQcow().build(), 512, 1L << 40),
                "L1 entry 0 points to an L2 table at 1099511627776, past the end of the file");
        fails(CorruptImageException.class, patchLong(new TinyQcow().build(), 1024, 1L << 40),
                "the cluster at offset 0 lies at 1099511627776, past the end of the file");
        fails(CorruptImageException.class, patchLong(new TinyQcow().build(), 1024 + 24, (1L << 63) | (1L << 40)),
                "the compressed cluster at offset 1536 lies at 1099511627776");
    }

    @Test
    void compressedClustersThatDoNotInflateToACluster() {
        // the stored size cut to 4 bytes: too short to inflate a whole cluster
        byte[] f = new TinyQcow().build();
        ByteBuffer b = ByteBuffer.wrap(f);
        long e = b.getLong(1024 + 24);
        b.putLong(1024 + 24, (e & ~(511L << 54)) | (4L << 54));
        fails(CorruptImageException.class, f, "not a cluster of 512");
        byte[] g = new TinyQcow().build();
        long at = ByteBuffer.wrap(g).getLong(1024 + 24) & ((1L << 54) - 1);
        java.util.Arrays.fill(g, (int) at, (int) at + 4, (byte) 0xff); // not deflate data
        fails(CorruptImageException.class, g, "qcow compressed cluster");
    }

    @Test
    void backingNames() {
        TinyQcow t = new TinyQcow();
        t.backing = "b.raw";
        byte[] f = t.build();
        ByteBuffer.wrap(f).putInt(16, 5000);
        fails(CorruptImageException.class, f, "Backing file name too long");
    }
}
