package dev.platter.inspect.ops;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** virt-edit -e's s/// subset: what Perl prints for each case (perl -pe EXPR), and the refusals by name. */
class PerlSubstitutionTest {
    private static String edit(String expr, String text) throws IOException {
        return new String(PerlSubstitution.parse(expr).apply(text.getBytes(StandardCharsets.UTF_8)),
                StandardCharsets.UTF_8);
    }

    @Test
    void substitutionsLineByLine() throws IOException {
        assertEquals("PermitRootLogin no\nPort 22\n",
                edit("s/^PermitRootLogin .*/PermitRootLogin no/", "PermitRootLogin yes\nPort 22\n"));
        assertEquals("b a a\nb\n", edit("s/a/b/", "a a a\na\n"));
        assertEquals("b b b\nb\n", edit("s/a/b/g", "a a a\na\n"));
        assertEquals("X x\n", edit("s/x/X/i", "x x\n"));
        assertEquals("XyX\n", edit("s/x/X/ig", "xyX\n"));
        assertEquals("key = value\n", edit("s/(\\w+)=(\\w+)/$1 = ${2}/", "key=value\n"));
        assertEquals("[abc]\n", edit("s/abc/[$&]/", "abc\n"));
        assertEquals("/usr/local/bin\n", edit("s|/usr/bin|/usr/local/bin|", "/usr/bin\n"));
        assertEquals("/opt\n", edit("s/\\/usr/\\/opt/", "/usr\n"));
        assertEquals("a\tb\n", edit("s/ /\\t/", "a b\n"));
        assertEquals("one;two\n", edit("s/1/one/; s/2/two/", "1;2\n"));
        assertEquals("end.\nno newline at end.", edit("s/$/./", "end\nno newline at end"));
        assertEquals("ç\n", edit("s/c/ç/", "c\n"));
        assertEquals("$HOME\n", edit("s/x/\\$HOME/", "x\n"));
        assertEquals("a\n", edit("s/\\n//s; s/$/\\n/", "a\n"), "the newline is part of the line");
    }

    @Test
    void outsideTheSubsetIsRefusedByName() {
        assertRefused("s/a/b/e", "the substitution flag 'e' is not supported");
        assertRefused("s/a/b/x", "the substitution flag 'x' is not supported");
        assertRefused("s{a}{b}", "bracketing delimiters");
        assertRefused("s/a/$foo/", "Perl variables in the replacement");
        assertRefused("s/$foo/a/", "Perl variables in the pattern");
        assertRefused("s/a/\\U$1/", "the case escape \\U");
        assertRefused("tr/a-z/A-Z/", "only s/REGEX/REPLACEMENT/FLAGS substitutions are supported");
        assertRefused("$_ = uc $_", "only s/REGEX/REPLACEMENT/FLAGS substitutions are supported");
        assertRefused("s/a/b/ if /x/", "separated by ';'");
    }

    private static void assertRefused(String expr, String why) {
        IOException e = assertThrows(IOException.class, () -> PerlSubstitution.parse(expr));
        assertTrue(e.getMessage().startsWith("-e: ") && e.getMessage().contains(why), e.getMessage());
    }
}
