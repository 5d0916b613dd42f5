package dev.platter.libvirt;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * libvirt through one interactive {@code virsh} process: commands on its stdin, each followed by an {@code echo} of a
 * random marker on stdout and on stderr, so the answer to a command is what comes before the markers and an
 * {@code error:} line on stderr belongs to it. One process keeps one connection (what the test driver's in-memory
 * state needs, and one connection set-up instead of one per call).
 */
public final class VirshSession implements LibvirtConnection {
    private static final long TIMEOUT_SECONDS = 120;
    private static final String EOF = "\u0000eof";
    private static final String MARKER_PREFIX = "platter-marker-";
    private static final int MARKER_LENGTH = MARKER_PREFIX.length() + 36;
    /** Without a terminal virsh still echoes each command after its prompt (# for root, $ for others). */
    private static final Pattern PROMPT = Pattern.compile("virsh [#$] ");

    private final Process process;
    private final Writer stdin;
    private final BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> stderr = new LinkedBlockingQueue<>();
    private final String uri;

    private VirshSession(Process process, String uri) {
        this.process = process;
        this.uri = uri;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        pump(process.getInputStream(), stdout);
        pump(process.getErrorStream(), stderr);
    }

    /** Connects to {@code uri} (null: virsh's default, from {@code LIBVIRT_DEFAULT_URI} or libvirt's rules). */
    public static VirshSession open(String uri) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("virsh", "-q"));
        if (uri != null) {
            cmd.add("-c");
            cmd.add(uri);
        }
        Process p;
        try {
            p = new ProcessBuilder(cmd).start();
        } catch (IOException e) {
            throw new IOException("cannot run virsh (package libvirt-clients): " + e.getMessage(), e);
        }
        VirshSession s = new VirshSession(p, uri);
        try {
            s.run("uri");
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return s;
    }

    @Override
    public String domainXml(String domain, boolean inactive) throws IOException {
        return run("dumpxml " + (inactive ? "--inactive " : "") + "--domain " + quote(domain));
    }

    @Override
    public DomainState state(String domain) throws IOException {
        return DomainState.parse(run("domstate --domain " + quote(domain)));
    }

    @Override
    public void define(String xml) throws IOException {
        Path file = Files.createTempFile("platter-domain", ".xml",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(file, xml);
            run("define --validate --file " + quote(file.toString()));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Runs one virsh command line and returns its stdout; libvirt's error lines become a {@link LibvirtException}. */
    public synchronized String run(String commandLine) throws IOException {
        if (commandLine.indexOf('\n') >= 0 || commandLine.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a virsh command is one line");
        }
        String marker = MARKER_PREFIX + UUID.randomUUID();
        stdin.write(commandLine + "\necho --err " + marker + "\necho " + marker + "\n");
        stdin.flush();
        String out = until(stdout, marker);
        String err = until(stderr, "error: " + marker);
        List<String> errors = new ArrayList<>();
        for (String line : err.split("\n")) {
            if (line.startsWith("error: ")) {
                errors.add(line.substring(7));
            }
        }
        if (!errors.isEmpty()) {
            throw new LibvirtException(String.join(": ", errors));
        }
        return out.strip();
    }

    private String until(BlockingQueue<String> queue, String marker) throws IOException {
        StringBuilder sb = new StringBuilder();
        try {
            while (true) {
                String line = queue.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                if (line == null) {
                    throw new IOException("virsh" + (uri == null ? "" : " -c " + uri) + " did not answer within "
                            + TIMEOUT_SECONDS + " s");
                }
                if (line.equals(EOF)) {
                    throw new LibvirtException(sb.length() > 0 ? sb.toString().strip().replaceFirst("^error: ", "")
                            : "virsh ended unexpectedly");
                }
                if (line.equals(marker)) {
                    return sb.toString();
                }
                if (PROMPT.matcher(line).lookingAt()) {
                    continue;
                }
                sb.append(line).append('\n');
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** virsh's double quotes: backslash escapes the next character. */
    static String quote(String arg) {
        if (arg.indexOf('\n') >= 0 || arg.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a line break in a virsh argument: " + arg);
        }
        return "\"" + arg.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /**
     * Splits the stream into lines, and also ends a line as soon as it is a whole marker: virsh prints an echo's
     * text without a line break and then the next prompt, which waits for input without one either.
     */
    private static void pump(InputStream in, BlockingQueue<String> queue) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                StringBuilder line = new StringBuilder();
                for (int c = r.read(); c >= 0; c = r.read()) {
                    if (c == '\n') {
                        queue.add(line.toString());
                        line.setLength(0);
                        continue;
                    }
                    line.append((char) c);
                    if (line.length() == MARKER_LENGTH && line.indexOf(MARKER_PREFIX) == 0) {
                        queue.add(line.toString());
                        line.setLength(0);
                    }
                }
                if (line.length() > 0) {
                    queue.add(line.toString());
                }
            } catch (IOException e) {
                // The process ended; EOF below tells the waiting reader.
            }
            queue.add(EOF);
        }, "virsh-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        try {
            stdin.write("quit\n");
            stdin.close();
        } catch (IOException e) {
            // Already gone.
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
