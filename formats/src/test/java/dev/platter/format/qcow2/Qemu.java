package dev.platter.format.qcow2;

import dev.platter.core.image.Image;
import dev.platter.testdata.Tool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Test helpers around the real qemu-img and qemu-io. */
final class Qemu {
    private Qemu() {
    }

    static Tool.Result img(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("qemu-img");
        cmd.addAll(Arrays.asList(args));
        return Tool.run(cmd.toArray(new String[0]));
    }

    /** Runs qemu-io commands (-c each) on an image of the given format. */
    static void io(Path image, String format, String... commands) {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", format));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        cmd.add(image.toString());
        Tool.Result r = Tool.run(cmd.toArray(new String[0])).ok();
        String all = r.stdout() + r.stderr();
        if (all.contains("error") || all.contains("is not") || all.contains("failed") || all.contains("Invalid")) {
            fail("qemu-io: " + all);
        }
    }

    /** The guest content as qemu-img sees it (converted to raw). */
    static byte[] content(Path image, Path scratch) throws IOException {
        Path raw = scratch.resolve("content-" + System.nanoTime() + ".raw");
        img("convert", "-O", "raw", image.toString(), raw.toString()).ok();
        byte[] b = Files.readAllBytes(raw);
        Files.delete(raw);
        return b;
    }

    /** Reads the whole device in chunks of {@code chunk} bytes. */
    static byte[] readAll(Image image, int chunk) throws IOException {
        byte[] all = new byte[(int) image.size()];
        for (int off = 0; off < all.length; off += chunk) {
            int n = Math.min(chunk, all.length - off);
            image.read(off, ByteBuffer.wrap(all, off, n));
        }
        return all;
    }

    static void assertSameContent(byte[] expected, byte[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": size");
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] != actual[i]) {
                fail(what + ": first difference at byte " + i + " (expected " + expected[i] + ", got " + actual[i]
                        + ")");
            }
        }
    }

    /** qemu-img check: asserts no errors and no leaks. */
    static void assertClean(Path image) {
        Tool.Result r = img("check", image.toString());
        if (r.exitCode() != 0) {
            fail("qemu-img check " + image + " exit " + r.exitCode() + "\n" + r.stdout() + r.stderr());
        }
    }
}
