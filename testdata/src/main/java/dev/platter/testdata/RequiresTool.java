package dev.platter.testdata;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The test (or every test of the class) needs these external programs on the PATH, e.g. {@code qemu-img}. Without
 * them the test is skipped with a visible reason; with {@code PLATTER_REQUIRE_TOOLS=1} (set by CI, which installs
 * every tool) a missing tool fails the test instead, so nothing skips there unnoticed.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(ExternalToolCondition.class)
public @interface RequiresTool {
    /** Program names, looked up on the PATH (and in /sbin, /usr/sbin). */
    String[] value();
}
