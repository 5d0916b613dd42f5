package dev.platter.inspect.ext4.writing;

import dev.platter.testdata.Tool;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** e2fsck as an oracle: a forced read-only check, a forced repair, a journal replay alone. */
public final class E2fsck {
    private E2fsck() {
    }

    /** One run: the command, its exit status and what it printed. */
    public record Result(String command, int exitCode, String output) {
        /** Exit 0: nothing found (for -n) or nothing changed (for -y). */
        public boolean clean() {
            return exitCode == 0;
        }

        /** The lines where e2fsck asked to fix something ("... Fix? yes", "Clear? no" ...). */
        public List<String> questions() {
            List<String> q = new ArrayList<>();
            for (String line : output.split("\n")) {
                if (line.matches(".*\\? (yes|no)\\s*$") || line.contains("<y>?")) {
                    q.add(line.trim());
                }
            }
            return q;
        }

        @Override
        public String toString() {
            return command + " -> exit " + exitCode + "\n" + output;
        }
    }

    /** {@code e2fsck -fn}: exit 0 when the filesystem is consistent; changes nothing. */
    public static Result check(Path image) {
        return run("-f", "-n", image.toString());
    }

    /** {@code e2fsck -fy}: replays the journal and repairs whatever it finds. */
    public static Result repair(Path image) {
        return run("-f", "-y", image.toString());
    }

    /** {@code e2fsck -y -E journal_only}: replays the journal when it needs recovery, and nothing else. */
    public static Result replayJournal(Path image) {
        return run("-y", "-E", "journal_only", image.toString());
    }

    private static Result run(String... args) {
        List<String> cmd = new ArrayList<>(List.of("e2fsck"));
        cmd.addAll(List.of(args));
        Tool.Result r = Tool.run(null, Map.of("TZ", "UTC", "LANG", "C", "LC_ALL", "C"), cmd.toArray(new String[0]));
        return new Result(String.join(" ", cmd), r.exitCode(), r.stdout() + r.stderr());
    }
}
