package dev.platter.cli;

import dev.platter.core.crypto.Secrets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --object secret,...} as qemu-img 7.2 parses it, with its messages (checked against qemu-img by hand). */
class SecretObjectTest {
    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] secret(String id, String... definitions) {
        try (Secrets s = SecretObject.parseAll(List.of(definitions))) {
            return s.get(id).bytes();
        }
    }

    private static void refused(String message, String... definitions) {
        CliException e = assertThrows(CliException.class, () -> SecretObject.parseAll(List.of(definitions)));
        assertEquals(message, e.getMessage());
    }

    @Test
    void dataIsThePassphraseAsTyped() {
        assertArrayEquals(bytes("hunter2"), secret("s0", "secret,id=s0,data=hunter2"));
        assertArrayEquals(bytes("a,b"), secret("s0", "secret,id=s0,data=a,,b")); // ",," is a comma
        assertArrayEquals(bytes("x=y"), secret("s0", "secret,id=s0,data=x=y"));
        assertArrayEquals(bytes(""), secret("s0", "secret,id=s0,data="));
        assertArrayEquals(bytes("pw"), secret("s0", "qom-type=secret,id=s0,data=pw,"));
        assertArrayEquals(bytes("b"), secret("s0", "secret,id=s0,data=a,data=b")); // the last one counts
        assertArrayEquals(bytes("pw"), secret("s0", "secret,id=s1,data=pw,id=s0"));
        assertArrayEquals(bytes("pw"), secret("a-b.c_d", "secret,id=a-b.c_d,data=pw,format=raw"));
    }

    @Test
    void base64IsDecoded() {
        assertArrayEquals(bytes("pw"), secret("s0", "secret,id=s0,data=cHc=,format=base64"));
        assertArrayEquals(bytes("pw"), secret("s0", "secret,id=s0,data=cHc,format=base64"));
        refused("Base64 data contains invalid characters", "secret,id=s0,data=!!!,format=base64");
        refused("Base64 data contains invalid characters", "secret,id=s0,data=cH c=,format=base64");
    }

    @Test
    void aFileIsReadAsItIsUpTo64KiB() throws Exception {
        Path f = dir.resolve("pass");
        Files.write(f, bytes("from a file\n"));
        assertArrayEquals(bytes("from a file\n"), secret("k", "secret,id=k,file=" + f));
        Files.write(f, bytes("cHc="));
        assertArrayEquals(bytes("pw"), secret("k", "secret,id=k,file=" + f + ",format=base64"));
        Files.write(f, new byte[SecretObject.MAX_FILE_BYTES]);
        assertEquals(SecretObject.MAX_FILE_BYTES, secret("k", "secret,id=k,file=" + f).length);
        Files.write(f, new byte[SecretObject.MAX_FILE_BYTES + 1]);
        refused("Unable to read " + f + ": larger than 64 KiB, too large for a secret", "secret,id=k,file=" + f);
        Path none = dir.resolve("none");
        refused("Unable to read " + none + ": Failed to open file “" + none + "”: No such file or directory",
                "secret,id=k,file=" + none);
        refused("Unable to read " + dir + ": Error reading file “" + dir + "”: Is a directory",
                "secret,id=k,file=" + dir);
    }

    @Test
    void qemuImgsMessages() {
        refused("Parameter 'qom-type' is missing", "");
        refused("Parameter 'qom-type' is missing", "id=s0,data=pw");
        refused("Parameter 'qom-type' does not accept value 'foo'", "foo,id=s0");
        refused("Parameter 'id' is missing", "secret,data=pw");
        refused("Parameter 'id' is missing", "secret");
        refused("Parameter 'id' expects an identifier\nIdentifiers consist of letters, digits, '-', '.', '_', "
                + "starting with a letter.", "secret,id=0bad,data=pw");
        refused("Expected '=' after parameter 'data'", "secret,id=s0,data");
        refused("Parameter 'bogus' is unexpected", "secret,id=s0,data=pw,bogus=1");
        refused("Parameter 'format' does not accept value 'hex'", "secret,id=s0,data=pw,file=x,format=hex");
        refused("'file' and 'data' are mutually exclusive", "secret,id=s0,data=pw,file=/etc/hostname");
        refused("Either 'file' or 'data' must be provided", "secret,id=s0");
        refused("attempt to add duplicate property 's0' to object (type 'container')", "secret,id=s0,data=pw",
                "secret,id=s0,data=x");
    }

    @Test
    void encryptedSecretsAreRefusedByName() {
        refused("secret 's0': encrypted secrets ('keyid') are not supported; give the passphrase itself (data= or "
                + "file=)", "secret,id=s0,data=pw,keyid=k");
        refused("secret 's0': encrypted secrets ('iv') are not supported; give the passphrase itself (data= or "
                + "file=)", "secret,id=s0,data=pw,iv=AAAA");
    }

    @Test
    void noMessageQuotesTheData() {
        String[][] bad = {{"secret,id=s0,data=hunter2,bogus=1"}, {"secret,id=0x,data=hunter2"},
                {"secret,id=s0,data=hunter2!,format=base64"}, {"secret,id=s0,data=hunter2,keyid=x"},
                {"secret,id=s0,data=hunter2", "secret,id=s0,data=hunter2"}, {"secret,id=s0,data=hunter2,file=f"}};
        for (String[] defs : bad) {
            CliException e = assertThrows(CliException.class, () -> SecretObject.parseAll(List.of(defs)));
            assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        }
    }

    @Test
    void closingTheSecretsWipesThem() {
        Secrets s = SecretObject.parseAll(List.of("secret,id=s0,data=pw"));
        assertTrue(s.has("s0"));
        s.close();
        assertFalse(s.has("s0"));
    }
}
