package dev.platter.testdata;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real libvirtd for tests (qemu:///system, TCG guests): reused when its socket is there already, else started
 * here with virtlogd (no systemd needed) and stopped again by {@link #close()}, by the processes it started and
 * nothing else. Needs root; without it, or without the daemon's packages, the test skips with the reason (and
 * fails under {@code PLATTER_REQUIRE_TOOLS=1}).
 */
public final class Libvirtd implements AutoCloseable {
    public static final String URI = "qemu:///system";
    private static final Path SOCKET = Path.of("/run/libvirt/libvirt-sock");

    private final Process virtlogd;
    private final Process libvirtd;

    private Libvirtd(Process virtlogd, Process libvirtd) {
        this.virtlogd = virtlogd;
        this.libvirtd = libvirtd;
    }

    /** Whether a daemon answers already (then it is used and left running). */
    public static boolean running() {
        return Files.exists(SOCKET);
    }

    /** The daemon, started if needed; call before anything that must exist when it starts (hooks). */
    public static Libvirtd start() throws IOException, InterruptedException {
        String missing = null;
        for (String tool : new String[] {"libvirtd", "virtlogd", "virsh", "qemu-system-x86_64"}) {
            if (Tool.find(tool) == null) {
                missing = (missing == null ? "" : missing + ", ") + tool;
            }
        }
        String reason = missing != null ? "needs " + missing + " (libvirt-daemon-system, qemu-system-x86)"
                : !"root".equals(System.getProperty("user.name")) ? "needs root (libvirtd's system instance)" : null;
        if (reason != null) {
            if ("1".equals(System.getenv("PLATTER_REQUIRE_TOOLS"))) {
                throw new IllegalStateException(reason + "; PLATTER_REQUIRE_TOOLS=1 forbids skipping");
            }
            System.err.println("SKIPPED real libvirtd tests: " + reason);
            Assumptions.abort(reason);
        }
        if (running()) {
            return new Libvirtd(null, null);
        }
        Process logd = new ProcessBuilder(Tool.find("virtlogd").toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Process daemon = new ProcessBuilder(Tool.find("libvirtd").toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Libvirtd d = new Libvirtd(logd, daemon);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!running()) {
            if (System.nanoTime() > deadline || !daemon.isAlive()) {
                d.close();
                throw new IOException("libvirtd did not open " + SOCKET);
            }
            Thread.sleep(50);
        }
        return d;
    }

    /** Stops what {@link #start()} started (nothing when the daemon was there before). */
    @Override
    public void close() {
        for (Process p : new Process[] {libvirtd, virtlogd}) {
            if (p == null) {
                continue;
            }
            p.destroy();
            try {
                if (!p.waitFor(15, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
    }
}
