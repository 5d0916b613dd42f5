package dev.platter.testdata;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Evaluates {@link RequiresLoopDevices}: skips with the reason named, or fails under CI. */
public final class LoopDeviceCondition implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String missing = missing();
        if (missing == null) {
            return ConditionEvaluationResult.enabled("loop devices available");
        }
        String reason = "needs loop devices: " + missing;
        if ("1".equals(System.getenv("PLATTER_REQUIRE_TOOLS"))) {
            throw new IllegalStateException(context.getDisplayName() + ": " + reason
                    + "; PLATTER_REQUIRE_TOOLS=1 forbids skipping");
        }
        System.err.println("SKIPPED " + context.getDisplayName() + ": " + reason);
        return ConditionEvaluationResult.disabled(reason);
    }

    private static volatile String missing;
    private static volatile boolean checked;

    /** What is missing for loop devices, or null when they can be attached (found out once). */
    static String missing() {
        if (!checked) {
            missing = check();
            checked = true;
        }
        return missing;
    }

    private static String check() {
        if (!isRoot()) {
            return "not running as root";
        }
        if (Tool.find("losetup") == null) {
            return "losetup (util-linux, Debian package mount) is not installed";
        }
        if (!Files.exists(Path.of("/dev/loop-control"))) {
            return "no /dev/loop-control (the loop module is not loaded: modprobe loop)";
        }
        // A container with a static /dev may lack the node of the device the kernel would hand out.
        Tool.Result free = Tool.run("losetup", "-f");
        String name = free.stdout().trim();
        if (free.exitCode() != 0 || !name.startsWith("/dev/") || !Files.exists(Path.of(name))) {
            return "losetup -f finds no usable device (" + (free.exitCode() != 0 ? free.stderr().trim() : name)
                    + ")";
        }
        return null;
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    // Real, effective, saved, filesystem: the effective one decides.
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}
