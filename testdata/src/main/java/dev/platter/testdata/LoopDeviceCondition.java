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

    /** What is missing for loop devices, or null when they can be attached. */
    static String missing() {
        if (!isRoot()) {
            return "not running as root";
        }
        if (Tool.find("losetup") == null) {
            return "losetup (util-linux) is not installed";
        }
        if (!Files.exists(Path.of("/dev/loop-control"))) {
            return "no /dev/loop-control (the loop module is not loaded: modprobe loop)";
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
