package dev.platter.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SizesTest {

    /** Expected values were printed by qemu-img 7.2 create. */
    @ParameterizedTest
    @CsvSource({"1.5G,1610612736", "1k,1024", "512b,512", "512B,512", "1K,1024", "' 1G',1073741824", "0x10,16",
            "1.0005k,1025", "1.0004k,1024", "0.5k,512", "1.k,1024", "1m,1048576", "1g,1073741824",
            "9223372036854775807,9223372036854775807", "00010,10", "+5,5", "1P,1125899906842624", "0x1G,1073741824",
            "0,0"})
    void parsesLikeQemuImg(String text, long bytes) {
        assertEquals(bytes, Sizes.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1kb", "1KiB", "1G ", "1e3", "1.5", ".5k", "1.5b", "-0", "", "-1", "1 k", "10X", "abc",
            "16E", "8E", "9223372036854775808"})
    void refusesWhatQemuImgRefuses(String text) {
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse(text));
    }

    /** The table in qemu-img.md, from qemu-img 7.2's human output. */
    @ParameterizedTest
    @CsvSource({"0,0 B", "512,512 B", "1024,1 KiB", "1022976,999 KiB", "1023488,1e+03 KiB", "1024000,0.977 MiB",
            "1572864,1.5 MiB", "1234568192,1.15 GiB", "10737418240,10 GiB", "4096,4 KiB", "1073741824,1 GiB",
            "5394432,5.14 MiB", "1069547520,0.996 GiB"})
    void humanSizesMatchQemuImg(long bytes, String text) {
        assertEquals(text, Sizes.human(bytes));
    }

    @Test
    void formatsLikePrintfG3() {
        assertEquals("1e+03", Sizes.formatG3(999.5));
        assertEquals("999", Sizes.formatG3(999.4));
        assertEquals("0.977", Sizes.formatG3(0.9765625));
        assertEquals("1.5", Sizes.formatG3(1.5));
    }
}
