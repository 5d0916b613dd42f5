package dev.platter.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** qemu-io holding an image open until closed (its standard input ends), as a running VM holds its disk. */
public final class QemuIo implements AutoCloseable {
    private final Process process;

    private QemuIo(Process process) {
        this.process = process;
    }

    public static QemuIo hold(String image, String format, boolean readOnly) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", format));
        if (readOnly) {
            cmd.add("-r");
        }
        cmd.add(image);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        // Wait until its locks show in /proc/locks (probing with qemu-img would take locks that could make
        // qemu-io's own open fail).
        long inode = (long) java.nio.file.Files.getAttribute(Path.of(image), "unix:ino");
        for (int i = 0; i < 600 && p.isAlive(); i++) {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/locks"))) {
                if (line.contains("OFDLCK") && line.contains(":" + inode + " ")) {
                    return new QemuIo(p);
                }
            }
            Thread.sleep(50);
        }
        p.destroy();
        throw new IOException("qemu-io did not take its locks on " + image);
    }

    @Override
    public void close() throws Exception {
        try (OutputStream in = process.getOutputStream()) {
            in.flush();
        }
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
