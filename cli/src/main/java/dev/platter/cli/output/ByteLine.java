package dev.platter.cli.output;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** A line of output mixing text and the guest's raw name bytes, which must reach stdout unchanged. */
public final class ByteLine {
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream(128);

    public ByteLine text(String s) {
        buf.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    public ByteLine bytes(byte[] b) {
        buf.writeBytes(b);
        return this;
    }

    public ByteLine ch(char c) {
        buf.write(c);
        return this;
    }

    public int length() {
        return buf.size();
    }

    public void writeTo(OutputStream out) throws IOException {
        buf.writeTo(out);
    }

    public byte[] toByteArray() {
        return buf.toByteArray();
    }

    /** CSV quoting, on bytes: quoted when holding a space, '"', ',' or a newline, quotes doubled. */
    public static byte[] csv(byte[] field) {
        boolean quote = false;
        for (byte b : field) {
            if (b == ' ' || b == '"' || b == '\n' || b == ',') {
                quote = true;
                break;
            }
        }
        if (!quote) {
            return field;
        }
        ByteArrayOutputStream o = new ByteArrayOutputStream(field.length + 4);
        o.write('"');
        for (byte b : field) {
            if (b == '"') {
                o.write('"');
            }
            o.write(b);
        }
        o.write('"');
        return o.toByteArray();
    }
}
