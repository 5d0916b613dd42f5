package dev.platter.inspect.ext4;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs debugfs (read-only) with a batch of commands and splits its output per command. Text is handled as
 * ISO-8859-1 so that every byte of a name survives (names are bytes; paths below are byte strings in that form).
 */
public final class Debugfs {
    private Debugfs() {
    }

    /** Output of each command, in order (the same command twice keeps the first output). */
    static Map<String, String> run(Path image, List<String> commands) {
        try {
            Path cmd = Files.createTempFile("debugfs-", ".cmd");
            Path out = Files.createTempFile("debugfs-", ".out");
            try {
                Files.writeString(cmd, String.join("\n", commands) + "\n", StandardCharsets.ISO_8859_1);
                ProcessBuilder pb = new ProcessBuilder("debugfs", "-f", cmd.toString(), image.toString())
                        .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
                pb.environment().put("TZ", "UTC");
                Process p = pb.start();
                if (p.waitFor() != 0) {
                    throw new IllegalStateException("debugfs failed on " + image);
                }
                return split(Files.readString(out, StandardCharsets.ISO_8859_1));
            } finally {
                Files.deleteIfExists(cmd);
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String one(Path image, String command) {
        return run(image, List.of(command)).values().stream().findFirst().orElse("");
    }

    /** debugfs -f output split per command (the lines after each "debugfs: COMMAND" echo). */
    public static Map<String, String> split(String text) {
        Map<String, String> result = new LinkedHashMap<>();
        String current = null;
        StringBuilder sb = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            if (line.startsWith("debugfs: ")) {
                if (current != null) {
                    result.putIfAbsent(current, sb.toString());
                }
                current = line.substring("debugfs: ".length());
                sb.setLength(0);
            } else if (current != null) {
                sb.append(line).append('\n');
            }
        }
        if (current != null) {
            result.putIfAbsent(current, sb.toString());
        }
        return result;
    }

    /** A path as a quoted debugfs argument. */
    static String quote(String path) {
        return "\"" + path + "\"";
    }

    /** One line of "ls -p": /inode/mode/uid/gid/name/size/ (the name may contain anything but a newline). */
    record LsEntry(long inode, int mode, String name) {
    }

    static List<LsEntry> parseLsP(String out) {
        List<LsEntry> entries = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.startsWith("/")) {
                continue;
            }
            String[] head = line.split("/", 6);
            // head: "", ino, mode, uid, gid, "name/size/"
            String rest = head[5];
            int end = rest.lastIndexOf('/', rest.length() - 2);
            String name = rest.substring(0, end);
            if (name.equals(".") || name.equals("..") || head[1].equals("0")) {
                continue;
            }
            entries.add(new LsEntry(Long.parseLong(head[1]), Integer.parseInt(head[2], 8), name));
        }
        return entries;
    }
}
