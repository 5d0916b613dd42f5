package dev.platter.cli.guest;

import dev.platter.cli.CliException;
import dev.platter.core.crypto.Secret;
import dev.platter.inspect.guest.GuestKeys;
import picocli.CommandLine.Option;

import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The LUKS options of every guest command, as libguestfs's virt tools take them: {@code --key ID:key:PASSPHRASE}
 * and {@code --key ID:file:FILE} (ID a device name such as /dev/sda2 or /dev/VG/LV, or the volume's LUKS UUID; the
 * file's first line, without its newline, is the passphrase; a volume tries every key naming it, in order), and
 * {@code --keys-from-stdin} (one line of stdin per volume no --key names, in the order the volumes are met). Without
 * either, the inspecting commands ask on the terminal, when there is one ({@code --echo-keys}: without turning echo
 * off); otherwise a volume without a key stays locked. Passphrases are held as {@link Secret}s, never printed, and
 * wiped once the guest is open.
 */
public final class GuestKeyOptions implements AutoCloseable {
    private static final Pattern XDEV = Pattern.compile("^/dev/(h|s|v|xv)d([a-z]+)(\\d*)$");

    /** One --key: a passphrase given inline, or a file to read it from when a volume asks for it. */
    private record Entry(String id, Secret inline, Path file) {
    }

    private final List<Entry> entries = new ArrayList<>();
    private final List<Secret> handedOut = new ArrayList<>();
    private String invalid;

    @Option(names = "--key", paramLabel = "ID:key:PASSPHRASE|ID:file:FILE",
            description = "The passphrase of a LUKS volume: ID is its device (/dev/sda2, /dev/VG/LV) or its LUKS UUID;"
                    + " key: the passphrase itself, file: a file whose first line is the passphrase. Repeatable.")
    void key(String selector) {
        // Nothing thrown from here: picocli would quote the whole value, passphrase included, in its message. A bad
        // selector is reported by check(), naming only its ID.
        int a = selector.indexOf(':');
        int b = a < 0 ? -1 : selector.indexOf(':', a + 1);
        String type = b < 0 ? null : selector.substring(a + 1, b);
        if (a <= 0 || type == null || !(type.equals("key") || type.equals("file"))) {
            if (invalid == null) {
                invalid = "invalid selector for --key" + (a > 0 ? " (for " + selector.substring(0, a) + ")" : "")
                        + ": expected ID:key:PASSPHRASE or ID:file:FILENAME";
            }
            return;
        }
        String id = canonical(selector.substring(0, a));
        String value = selector.substring(b + 1);
        if (type.equals("key")) {
            entries.add(new Entry(id, Secret.adopt(argumentBytes(value)), null));
        } else {
            entries.add(new Entry(id, null, Path.of(value)));
        }
    }

    /** Fails on a malformed --key (named by its ID only: the rest may be a passphrase). */
    void check() {
        if (invalid != null) {
            throw new CliException(invalid);
        }
    }

    @Option(names = "--keys-from-stdin",
            description = "Read the passphrase of each LUKS volume that no --key names from stdin, one per line, in"
                    + " the order the volumes are met (partitions by disk, then LVs).")
    boolean keysFromStdin;

    @Option(names = "--echo-keys", description = "Do not turn off echo when asking for a passphrase on the terminal.")
    boolean echoKeys;

    /**
     * The passphrases for the guest, as libguestfs finds them: the --key entries naming the volume, else a line of
     * stdin with --keys-from-stdin, else (when {@code ask} and there is a terminal) a question on it, else none.
     */
    GuestKeys keys(boolean ask) {
        return (device, uuid) -> {
            List<Secret> out = new ArrayList<>();
            for (Entry e : entries) {
                if (e.id().equals(device) || e.id().equals(uuid)) {
                    out.add(e.inline() != null ? e.inline() : keep(readFirstLine(e)));
                }
            }
            if (out.isEmpty()) {
                if (keysFromStdin) {
                    out.add(keep(readLine(System.in)));
                } else if (ask && System.console() != null) {
                    out.add(keep(ask(System.console(), device)));
                }
            }
            return out;
        };
    }

    /** True when some key was given (--key or --keys-from-stdin). */
    boolean any() {
        return !entries.isEmpty() || keysFromStdin;
    }

    private Secret keep(Secret s) {
        handedOut.add(s);
        return s;
    }

    private static Secret readFirstLine(Entry e) throws IOException {
        byte[] all;
        try {
            all = Files.readAllBytes(e.file());
        } catch (NoSuchFileException x) {
            throw new IOException("--key " + e.id() + ":file:" + e.file() + ": No such file or directory");
        }
        try {
            if (all.length == 0) {
                throw new IOException("--key " + e.id() + ":file:" + e.file() + ": the file is empty");
            }
            int end = 0;
            while (end < all.length && all[end] != '\n') {
                end++;
            }
            return Secret.adopt(Arrays.copyOf(all, end));
        } finally {
            Secret.wipe(all);
        }
    }

    /** One line of stdin, without its newline; nothing read past it. */
    private static Secret readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        boolean any = false;
        while ((c = in.read()) >= 0) {
            any = true;
            if (c == '\n') {
                break;
            }
            line.write(c);
        }
        if (!any) {
            throw new IOException("could not read key from user (stdin ended)");
        }
        byte[] bytes = line.toByteArray();
        return Secret.adopt(bytes);
    }

    private Secret ask(Console console, String device) throws IOException {
        String prompt = "Enter key or passphrase (\"" + device.replace("%", "%%") + "\"): ";
        char[] chars = echoKeys ? lineChars(console.readLine(prompt)) : console.readPassword(prompt);
        if (chars == null) {
            throw new IOException("could not read key from user");
        }
        try {
            return Secret.adopt(encode(chars, console.charset()));
        } finally {
            Arrays.fill(chars, '\0');
        }
    }

    private static char[] lineChars(String line) {
        return line == null ? null : line.toCharArray();
    }

    /** A command-line argument's bytes, as the shell passed them (the JVM decoded them with sun.jnu.encoding). */
    private static byte[] argumentBytes(String arg) {
        String jnu = System.getProperty("sun.jnu.encoding");
        Charset cs = jnu != null && Charset.isSupported(jnu) ? Charset.forName(jnu) : Charset.defaultCharset();
        return encode(arg.toCharArray(), cs);
    }

    private static byte[] encode(char[] chars, Charset cs) {
        ByteBuffer b = cs.encode(CharBuffer.wrap(chars));
        byte[] out = new byte[b.remaining()];
        b.get(out);
        if (b.hasArray()) {
            Arrays.fill(b.array(), (byte) 0);
        }
        return out;
    }

    /** /dev/vda2, /dev/hda2 and /dev/xvda2 name /dev/sda2, as everywhere else in the guest commands. */
    private static String canonical(String id) {
        Matcher m = XDEV.matcher(id);
        return m.matches() ? "/dev/sd" + m.group(2) + m.group(3) : id;
    }

    /** Wipes every passphrase held: given inline, read from files, stdin or the terminal. */
    @Override
    public void close() {
        for (Entry e : entries) {
            if (e.inline() != null) {
                e.inline().close();
            }
        }
        for (Secret s : handedOut) {
            s.close();
        }
        handedOut.clear();
    }
}
