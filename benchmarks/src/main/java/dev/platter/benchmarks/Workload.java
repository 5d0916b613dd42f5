package dev.platter.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.SplittableRandom;

/**
 * Generates the side-by-side benchmark's source images: a sparse raw file of a given virtual size holding a given
 * amount of data in 1 MiB runs at scattered (seeded, so reproducible) places, alternately random bytes (which do
 * not compress) and repetitive text (which does).
 *
 * <pre>java -cp benchmarks.jar dev.platter.benchmarks.Workload FILE VIRTUAL_BYTES DATA_BYTES [SEED]</pre>
 */
public final class Workload {
    private static final int RUN = 1 << 20;
    private static final String[] WORDS = ("the of and to in is was that for on are with as be by at this from or "
            + "had not but have what all were when we there can an which their said if do will each about how up "
            + "out them then she many some so these would other into has more her two like him see time could no "
            + "make than first been its who now people my made over did down only way find use may water long "
            + "little very after words called just where most know disk image cluster sector platter qcow2 raw")
            .split(" ");

    private Workload() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: Workload FILE VIRTUAL_BYTES DATA_BYTES [SEED]");
            System.exit(2);
        }
        Path file = Path.of(args[0]);
        long virtual = Long.parseLong(args[1]);
        long data = Long.parseLong(args[2]);
        long seed = args.length > 3 ? Long.parseLong(args[3]) : 1;
        generate(file, virtual, data, seed);
    }

    static void generate(Path file, long virtual, long data, long seed) throws IOException {
        long slots = virtual / RUN;
        long runs = Math.min(slots, data / RUN);
        SplittableRandom rnd = new SplittableRandom(seed);
        // Choose distinct slots; in order, so the file is written front to back.
        BitSet chosen = new BitSet();
        if (slots > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("too many 1 MiB slots: " + slots);
        }
        for (long picked = 0; picked < runs; ) {
            int s = (int) rnd.nextLong(slots);
            if (!chosen.get(s)) {
                chosen.set(s);
                picked++;
            }
        }
        ByteBuffer buf = ByteBuffer.allocateDirect(RUN);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            int i = 0;
            for (int s = chosen.nextSetBit(0); s >= 0; s = chosen.nextSetBit(s + 1), i++) {
                buf.clear();
                if (i % 2 == 0) {
                    fillRandom(buf, rnd);
                } else {
                    fillText(buf, rnd);
                }
                buf.flip();
                long pos = (long) s * RUN;
                while (buf.hasRemaining()) {
                    pos += ch.write(buf, pos);
                }
            }
        }
        // Extend to the virtual size with a hole (ftruncate allocates nothing).
        try (var raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            if (raf.length() < virtual) {
                raf.setLength(virtual);
            }
        }
    }

    private static void fillRandom(ByteBuffer buf, SplittableRandom rnd) {
        while (buf.remaining() >= 8) {
            buf.putLong(rnd.nextLong());
        }
    }

    private static void fillText(ByteBuffer buf, SplittableRandom rnd) {
        int col = 0;
        while (buf.hasRemaining()) {
            byte[] w = WORDS[rnd.nextInt(WORDS.length)].getBytes(StandardCharsets.US_ASCII);
            for (int k = 0; k < w.length && buf.hasRemaining(); k++) {
                buf.put(w[k]);
            }
            col += w.length + 1;
            if (buf.hasRemaining()) {
                buf.put((byte) (col > 72 ? '\n' : ' '));
                if (col > 72) {
                    col = 0;
                }
            }
        }
    }
}
