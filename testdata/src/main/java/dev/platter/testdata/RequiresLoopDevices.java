package dev.platter.testdata;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The test (or every test of the class) attaches loop devices ({@link LoopDevice}): it needs root, {@code losetup}
 * and the kernel's loop driver ({@code /dev/loop-control}). Without them the test is skipped with a visible reason;
 * with {@code PLATTER_REQUIRE_TOOLS=1} (set by CI, which runs as root) it fails instead, as {@link RequiresTool} does.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(LoopDeviceCondition.class)
public @interface RequiresLoopDevices {
}
