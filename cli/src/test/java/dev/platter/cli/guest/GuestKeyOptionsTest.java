package dev.platter.cli.guest;

import dev.platter.cli.CliException;
import dev.platter.core.crypto.Secret;
import dev.platter.inspect.guest.GuestKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How --key and --keys-from-stdin find a volume's passphrases (libguestfs's rules, and where Platter differs). */
class GuestKeyOptionsTest {
    private static final String UUID = "5a6b0000-0000-4000-8000-00000000c100";
    @TempDir
    Path dir;

    private static List<String> text(List<Secret> secrets) {
        return secrets.stream().map(s -> new String(s.bytes(), StandardCharsets.UTF_8)).toList();
    }

    @Test
    void keysNamingTheDeviceOrTheUuidInOrder() throws IOException {
        GuestKeyOptions o = new GuestKeyOptions();
        o.key("/dev/sda2:key:first");
        o.key("/dev/sdb2:key:other");
        o.key(UUID + ":key:by:uuid");           // the passphrase keeps its colons
        o.key("/dev/vda2:key:virtio-name");     // /dev/vda2 is /dev/sda2
        o.check();
        GuestKeys keys = o.keys(false);
        assertEquals(List.of("first", "by:uuid", "virtio-name"), text(keys.passphrases("/dev/sda2", UUID)));
        assertEquals(List.of("other"), text(keys.passphrases("/dev/sdb2", "another-uuid")));
        assertEquals(List.of(), keys.passphrases("/dev/sdc1", "another-uuid"));
        o.close();
    }

    @Test
    void aKeyFileGivesItsFirstLineWithoutTheNewline() throws IOException {
        Path f = dir.resolve("k");
        Files.write(f, "line one\r\nline two\n".getBytes(StandardCharsets.UTF_8));
        GuestKeyOptions o = new GuestKeyOptions();
        o.key("/dev/sda2:file:" + f);
        assertEquals(List.of("line one\r"), text(o.keys(false).passphrases("/dev/sda2", UUID)));
        Files.write(f, new byte[0]);
        IOException e = assertThrows(IOException.class, () -> o.keys(false).passphrases("/dev/sda2", UUID));
        assertTrue(e.getMessage().endsWith("the file is empty"), e.getMessage());
    }

    @Test
    void stdinGivesOneLinePerVolumeWithoutAKey() throws IOException {
        InputStream saved = System.in;
        System.setIn(new ByteArrayInputStream("one\ntwo\n".getBytes(StandardCharsets.UTF_8)));
        try {
            GuestKeyOptions o = new GuestKeyOptions();
            o.keysFromStdin = true;
            o.key("/dev/sdb2:key:given");
            GuestKeys keys = o.keys(false);
            assertEquals(List.of("one"), text(keys.passphrases("/dev/sda2", UUID)));
            assertEquals(List.of("given"), text(keys.passphrases("/dev/sdb2", "u2")));
            assertEquals(List.of("two"), text(keys.passphrases("/dev/sdc2", "u3")));
            IOException e = assertThrows(IOException.class, () -> keys.passphrases("/dev/sdd2", "u4"));
            assertEquals("could not read key from user (stdin ended)", e.getMessage());
        } finally {
            System.setIn(saved);
        }
    }

    @Test
    void aMalformedSelectorIsReportedByItsIdOnly() {
        for (String bad : List.of("/dev/sda2:kye:secret-pw", "/dev/sda2", ":key:secret-pw", "/dev/sda2:secret-pw")) {
            GuestKeyOptions o = new GuestKeyOptions();
            o.key(bad);
            CliException e = assertThrows(CliException.class, o::check);
            assertFalse(e.getMessage().contains("secret-pw"), e.getMessage());
            assertTrue(e.getMessage().startsWith("invalid selector for --key"), e.getMessage());
        }
    }

    @Test
    void closeWipesThePassphrases() throws IOException {
        GuestKeyOptions o = new GuestKeyOptions();
        o.key("/dev/sda2:key:wipe-me");
        Secret s = o.keys(false).passphrases("/dev/sda2", UUID).get(0);
        o.close();
        assertThrows(IllegalStateException.class, s::bytes);
    }
}
