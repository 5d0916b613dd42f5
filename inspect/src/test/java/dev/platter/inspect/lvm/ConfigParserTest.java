package dev.platter.inspect.lvm;

import dev.platter.core.CorruptImageException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigParserTest {

    @Test
    void crcMatchesLvmTestVectors() {
        byte[] digits = "123456789".getBytes();
        assertEquals(0x4991CF02, LvmCrc.of(digits, 0, digits.length));
        assertEquals(0xF597A6CF, LvmCrc.of(new byte[0], 0, 0));
    }

    @Test
    void sectionsValuesListsAndComments() throws CorruptImageException {
        ConfigSection top = ConfigParser.parse("""
                vg {  # a comment
                  seqno = 5
                  neg = -12
                  big = 9000000000000
                  status = ["READ", "WRITE"]
                  flags = []
                  mixed = [ "pv0", 28,
                            "pv1", 0 ]
                  ratio = 0.5
                  bare = word
                  single = 'it''s'
                  nested { inner { x = 1 } }
                }
                contents = "Text Format Volume Group"
                """.replace("'it''s'", "'no escapes \\\\ here'"));
        ConfigSection vg = top.section("vg");
        assertEquals(5, vg.integer("seqno", 0));
        assertEquals(-12, vg.integer("neg", 0));
        assertEquals(9_000_000_000_000L, vg.integer("big", 0));
        assertEquals(List.of("READ", "WRITE"), vg.strings("status"));
        assertEquals(List.of(), vg.strings("flags"));
        ConfigValue.Array mixed = assertInstanceOf(ConfigValue.Array.class, vg.value("mixed"));
        assertEquals(List.of(new ConfigValue.Str("pv0"), new ConfigValue.Int(28), new ConfigValue.Str("pv1"),
                new ConfigValue.Int(0)), mixed.values());
        assertEquals(new ConfigValue.Real(0.5), vg.value("ratio"));
        assertEquals("word", vg.string("bare"));
        assertEquals("no escapes \\\\ here", vg.string("single"));
        assertEquals(1, vg.section("nested").section("inner").integer("x", 0));
        assertEquals("Text Format Volume Group", top.string("contents"));
    }

    @Test
    void escapesInDoubleQuotedStrings() throws CorruptImageException {
        // What lvm writes for a description holding "a|.*\\x|" (quotes and backslashes escaped).
        ConfigSection top = ConfigParser.parse("description = \"\\\"a|.*\\\\\\\\x|\\\" # not a comment\"\n");
        assertEquals("\"a|.*\\\\x|\" # not a comment", top.string("description"));
    }

    @Test
    void namesWithDotsDashesAndPlus() throws CorruptImageException {
        ConfigSection top = ConfigParser.parse("lv.x-y+z_1 { id = \"x\" }");
        assertEquals("x", top.section("lv.x-y+z_1").string("id"));
    }

    @Test
    void malformedTextIsCorruptNotACrash() {
        for (String bad : List.of("vg {", "vg { x = }", "x = \"unterminated", "x = [1, 2", "x = [1 2]", "= 3",
                "x 3", "}", "x = 1 x = 2", "a { } a = 1", "x = ]", "x = 'open", "\0\0\0")) {
            CorruptImageException e = assertThrows(CorruptImageException.class, () -> ConfigParser.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("corrupt LVM2 metadata text"), e.getMessage());
        }
    }

    @Test
    void deepNestingIsRefused() {
        String deep = "a {".repeat(1000) + "}".repeat(1000);
        assertThrows(CorruptImageException.class, () -> ConfigParser.parse(deep));
        String lists = "x = " + "[".repeat(100_000);
        assertThrows(CorruptImageException.class, () -> ConfigParser.parse(lists));
    }
}
