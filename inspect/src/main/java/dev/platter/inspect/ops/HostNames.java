package dev.platter.inspect.ops;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Names of guest files as they are written on the host. A Java program can only name host files with text in
 * the JVM's file-name charset (sun.jnu.encoding, from the locale), so a guest name is kept as it is when it is
 * valid UTF-8 that this charset can encode, and otherwise written with every byte outside printable ASCII (and
 * every backslash) escaped as {@code \xHH}.
 */
public final class HostNames {
    private static final Charset JNU = jnuCharset();

    private HostNames() {
    }

    private static Charset jnuCharset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }

    /** The host name for guest name {@code name} (which must be a valid guest name: no '/', no NUL). */
    public static String of(byte[] name) {
        String decoded = strictUtf8(name);
        if (decoded != null && JNU.newEncoder().canEncode(decoded)) {
            return decoded;
        }
        return escaped(name);
    }

    /** True when {@link #of} had to escape the name. */
    public static boolean needsEscape(byte[] name) {
        String decoded = strictUtf8(name);
        return decoded == null || !JNU.newEncoder().canEncode(decoded);
    }

    static String escaped(byte[] name) {
        StringBuilder sb = new StringBuilder();
        for (byte b : name) {
            int c = b & 0xFF;
            if (c >= 0x20 && c < 0x7F && c != '\\') {
                sb.append((char) c);
            } else {
                sb.append(String.format("\\x%02X", c));
            }
        }
        return sb.toString();
    }

    private static String strictUtf8(byte[] b) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            CharBuffer cb = d.decode(ByteBuffer.wrap(b));
            return cb.toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
