package dev.platter.format.dmg;

import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.Image;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.MemoryStorage;
import dev.platter.testdata.DmgFixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;

import static dev.platter.testdata.DmgFixtures.ADC;
import static dev.platter.testdata.DmgFixtures.BZIP2;
import static dev.platter.testdata.DmgFixtures.IGNORE;
import static dev.platter.testdata.DmgFixtures.LZFSE;
import static dev.platter.testdata.DmgFixtures.RAW;
import static dev.platter.testdata.DmgFixtures.ZERO;
import static dev.platter.testdata.DmgFixtures.ZLIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every chunk kind a DMG has, read from images built from the format ({@link DmgFixtures}): zero, ignored, raw, zlib
 * and bzip2 chunks read as their content (bzip2, which Debian's qemu-img cannot read without its missing module,
 * is checked here against the content it was made from), the table from a property list or a resource fork; ADC and
 * LZFSE chunks refused by name when read, the rest of the disk still readable.
 */
class DmgReaderTest {
    static Image open(byte[] file) throws IOException {
        MemoryStorage s = new MemoryStorage("t.dmg", file.length);
        s.write(0, ByteBuffer.wrap(file));
        return new DmgFormat().open(s, OpenOptions.readOnlyDefaults().withFormat("dmg"));
    }

    @Test
    void everyChunkKindFromAPropertyListAndAResourceFork() throws IOException {
        int[] types = {RAW, ZERO, ZLIB, IGNORE, BZIP2, ZLIB, RAW};
        for (boolean rsrc : new boolean[] {false, true}) {
            try (Image image = open(DmgFixtures.image(rsrc, types))) {
                assertEquals(types.length * 4096L, image.size());
                assertArrayEquals(DmgFixtures.disk(types), image.readBytes(0, (int) image.size()), "rsrc " + rsrc);
                // reads across chunk boundaries, from the middle of a compressed chunk
                byte[] whole = DmgFixtures.disk(types);
                assertArrayEquals(java.util.Arrays.copyOfRange(whole, 6000, 19000), image.readBytes(6000, 13000));
            }
        }
    }

    @Test
    void adcAndLzfseAreRefusedByName() throws IOException {
        try (Image image = open(DmgFixtures.image(false, RAW, ADC, LZFSE))) {
            assertArrayEquals(DmgFixtures.content(0, RAW), image.readBytes(0, 4096));
            UnsupportedFeatureException adc = assertThrows(UnsupportedFeatureException.class,
                    () -> image.readBytes(4096, 512));
            assertTrue(adc.getMessage().contains("ADC-compressed chunks are not supported"), adc.getMessage());
            UnsupportedFeatureException lzfse = assertThrows(UnsupportedFeatureException.class,
                    () -> image.readBytes(8192, 512));
            assertTrue(lzfse.getMessage().contains("LZFSE-compressed chunks are not supported"), lzfse.getMessage());
        }
    }
}
