package dev.platter.testdata;

import java.nio.file.Path;

/**
 * A loop device over a file, for tests of host block devices (root only: use with {@link RequiresLoopDevices}).
 * Always detach it, in a try-with-resources or a finally block: a loop device outlives the test otherwise.
 */
public final class LoopDevice implements AutoCloseable {
    private final Path device;
    private boolean detached;

    private LoopDevice(Path device) {
        this.device = device;
    }

    /** Attaches {@code file} to a free loop device with 512-byte logical sectors. */
    public static LoopDevice attach(Path file) {
        return attach(file, 512, false);
    }

    /**
     * Attaches {@code file} to a free loop device.
     *
     * @param sectorSize the device's logical block size (512 or 4096; the file size must be a multiple of it)
     * @param readOnly   a read-only device (losetup -r)
     */
    public static LoopDevice attach(Path file, int sectorSize, boolean readOnly) {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("losetup", "-f", "--show"));
        if (sectorSize != 512) {
            cmd.addAll(java.util.List.of("-b", Integer.toString(sectorSize)));
        }
        if (readOnly) {
            cmd.add("-r");
        }
        cmd.add(file.toString());
        String name = Tool.run(cmd.toArray(new String[0])).ok().stdout().trim();
        if (!name.startsWith("/dev/")) {
            throw new AssertionError("losetup printed no device: " + name);
        }
        return new LoopDevice(Path.of(name));
    }

    /** The device node, e.g. /dev/loop3. */
    public Path path() {
        return device;
    }

    @Override
    public String toString() {
        return device.toString();
    }

    /** Detaches the device (once); the file behind it stays. */
    @Override
    public void close() {
        if (!detached) {
            detached = true;
            Tool.Result r = Tool.run("losetup", "-d", device.toString());
            if (r.exitCode() != 0) {
                throw new AssertionError("losetup -d " + device + ": " + r.stderr());
            }
        }
    }
}
