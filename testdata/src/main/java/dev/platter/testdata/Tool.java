package dev.platter.testdata;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs external programs (qemu-img, debugfs, mkfs ...) for tests and captures what they print. */
public final class Tool {
    private static final long TIMEOUT_SECONDS = 600;

    private Tool() {
    }

    /** The result of one run. */
    public record Result(int exitCode, String stdout, String stderr) {
        /** Fails unless the exit code is 0. */
        public Result ok() {
            if (exitCode != 0) {
                throw new AssertionError("exit " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr);
            }
            return this;
        }
    }

    /** The program's path, or null when it is not installed. */
    public static Path find(String name) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/local/sbin", "/usr/sbin", "/sbin"));
        for (String d : dirs) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Path.of(d, name);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                return p;
            }
        }
        return null;
    }

    /** Runs {@code command} in {@code dir} (null = current), with extra environment variables. */
    public static Result run(Path dir, Map<String, String> env, String... command) {
        List<String> cmd = new ArrayList<>(List.of(command));
        Path exe = find(cmd.get(0));
        if (exe != null) {
            cmd.set(0, exe.toString());
        }
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            CompletableFuture<String> out = drain(p.getInputStream());
            CompletableFuture<String> err = drain(p.getErrorStream());
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " timed out");
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    public static Result run(Path dir, String... command) {
        return run(dir, Map.of(), command);
    }

    public static Result run(String... command) {
        return run(null, Map.of(), command);
    }

    private static CompletableFuture<String> drain(InputStream in) {
        // A thread of its own per stream: the common pool has a single thread on a 2-core machine, and a
        // process that fills one pipe while we wait on the other would never finish.
        CompletableFuture<String> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (in) {
                result.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                result.completeExceptionally(new UncheckedIOException(e));
            }
        }, "tool-drain");
        t.setDaemon(true);
        t.start();
        return result;
    }
}
