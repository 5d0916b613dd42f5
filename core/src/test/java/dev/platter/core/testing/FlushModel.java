package dev.platter.core.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * What a disk must read after a crash, for {@link CrashJournal} tests of guest writes: the content as of the last
 * flush completed before the crash, except where a write issued since may or may not have landed. The test applies
 * each operation to {@link #content()}, says when it was issued and when a flush completed (as journal positions),
 * and asks {@link #check} about each crash state.
 */
public final class FlushModel {
    private final byte[] content;
    /** {journal position, version} of each completed flush, the start counting as one. */
    private final List<long[]> flushes = new ArrayList<>();
    private final List<byte[]> versions = new ArrayList<>();
    /** {journal position when issued, start, length} of each operation. */
    private final List<long[]> issued = new ArrayList<>();

    public FlushModel(byte[] initial) {
        this.content = initial.clone();
        versions.add(initial.clone());
        flushes.add(new long[] {0, 0});
    }

    /** The current content, which the test changes as it issues operations. */
    public byte[] content() {
        return content;
    }

    /** An operation on {@code [start, start + length)} is issued when the journal holds {@code at} events. */
    public void issued(int at, long start, long length) {
        issued.add(new long[] {at, start, length});
    }

    /** Moves the last issued operation's range (an operation that rounds its range, once it knows how). */
    public void reissued(long start, long length) {
        long[] last = issued.get(issued.size() - 1);
        last[1] = start;
        last[2] = length;
    }

    /** A flush (or a clean close) completed when the journal held {@code at} events. */
    public void flushed(int at) {
        versions.add(content.clone());
        flushes.add(new long[] {at, versions.size() - 1});
    }

    /** Fails unless {@code actual}, read after a crash after {@code n} events, holds every byte a flush promised. */
    public void check(int n, byte[] actual, String what) {
        int k = 0;
        while (k + 1 < flushes.size() && flushes.get(k + 1)[0] <= n) {
            k++;
        }
        byte[] expected = versions.get((int) flushes.get(k)[1]);
        boolean[] uncertain = new boolean[expected.length];
        for (long[] w : issued) {
            if (w[0] >= flushes.get(k)[0] && w[0] <= n) {
                Arrays.fill(uncertain, (int) w[1], (int) (w[1] + w[2]), true);
            }
        }
        for (int b = 0; b < expected.length; b++) {
            if (!uncertain[b] && actual[b] != expected[b]) {
                fail(what + ": after " + n + " events, byte " + b + " flushed as " + expected[b] + " reads "
                        + actual[b]);
            }
        }
    }

    /**
     * Issues guest operations on {@code image} and applies them to this model, each noted as issued at the journal
     * position {@code position} gives at that moment; a flush counts as completed at the position after it.
     */
    public Guest on(dev.platter.core.image.Image image, java.util.function.IntSupplier position) {
        return new Guest(image, position);
    }

    /** The operations a crash test issues, model and image in step. */
    public final class Guest {
        private final dev.platter.core.image.Image image;
        private final java.util.function.IntSupplier position;

        private Guest(dev.platter.core.image.Image image, java.util.function.IntSupplier position) {
            this.image = image;
            this.position = position;
        }

        public void write(long at, byte[] data) throws java.io.IOException {
            issued(position.getAsInt(), at, data.length);
            image.write(at, java.nio.ByteBuffer.wrap(data));
            System.arraycopy(data, 0, content, (int) at, data.length);
        }

        public void writeZeroes(long at, long len) throws java.io.IOException {
            issued(position.getAsInt(), at, len);
            image.writeZeroes(at, len);
            Arrays.fill(content, (int) at, (int) (at + len), (byte) 0);
        }

        public void discard(long at, long len) throws java.io.IOException {
            issued(position.getAsInt(), at, len);
            image.discard(at, len);
            Arrays.fill(content, (int) at, (int) (at + len), (byte) 0);
        }

        public void flush() throws java.io.IOException {
            image.flush();
            flushed(position.getAsInt());
        }
    }
}
