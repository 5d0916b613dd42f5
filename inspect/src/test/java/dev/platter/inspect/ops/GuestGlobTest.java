package dev.platter.inspect.ops;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One component's wildcards, as glob(3) reads them. */
class GuestGlobTest {
    private static boolean match(String pattern, String name) {
        return GuestGlob.toRegex(pattern).matcher(name).matches();
    }

    @Test
    void wildcards() {
        assertTrue(match("*_host_*", "ssh_host_rsa_key.pub"));
        assertFalse(match("*_host_*", "sshd_config"));
        assertTrue(match("syslog*", "syslog"));
        assertTrue(match("syslog*", "syslog.2.gz"));
        assertTrue(match("?.log", "a.log"));
        assertFalse(match("?.log", "ab.log"));
        assertTrue(match("[ab]*", "beta"));
        assertFalse(match("[!ab]*", "beta"));
        assertTrue(match("[a-c].txt", "b.txt"));
        assertFalse(match("[a-c].txt", "d.txt"));
        assertTrue(match("a.b", "a.b"));
        assertFalse(match("a.b", "axb"), "a dot is a dot");
        assertTrue(match("\\*", "*"));
        assertTrue(match("[ta]", "a"), "letters in a class are letters, not escapes");
    }
}
