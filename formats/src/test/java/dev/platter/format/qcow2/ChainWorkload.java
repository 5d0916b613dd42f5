package dev.platter.format.qcow2;

import dev.platter.testdata.Qcow2MatrixConfig;

import dev.platter.core.image.Image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The writes the interop tests apply to a backing chain of three images (base, mid, top): patterned data at
 * aligned and unaligned offsets, zero writes, discards, compressed clusters, writes at the end of the disk. The
 * same operations run through qemu-io or through Platter's API, and an in-memory model tracks what the chain must
 * read as after Platter's writes.
 */
final class ChainWorkload {
    enum Kind { WRITE, ZERO, DISCARD, COMPRESSED }

    record Op(Kind kind, long offset, long length, int pattern) {
        String qemuIo() {
            return switch (kind) {
                case WRITE -> "write -P " + pattern + " " + offset + " " + length;
                case ZERO -> "write -z " + offset + " " + length;
                case DISCARD -> "discard " + offset + " " + length;
                case COMPRESSED -> "write -c -P " + pattern + " " + offset + " " + length;
            };
        }
    }

    private ChainWorkload() {
    }

    /** The operations for layer {@code layer} (0 = base, 1 = mid, 2 = top). */
    static List<Op> ops(Qcow2MatrixConfig c, int layer) {
        long cs = c.clusterSize();
        long s = c.size();
        List<Op> ops = new ArrayList<>();
        switch (layer) {
            case 0 -> {
                ops.add(new Op(Kind.WRITE, 0, s / 2, 0x11));
                ops.add(new Op(Kind.ZERO, cs * 3, cs * 2, 0));
                ops.add(new Op(Kind.WRITE, s - cs - 512, 512, 0x12));
                if (c.compressed()) {
                    ops.add(new Op(Kind.COMPRESSED, s / 2, cs * 2, 0x22));
                }
            }
            case 1 -> {
                ops.add(new Op(Kind.WRITE, cs / 2 + 512, cs * 2, 0x33));
                ops.add(new Op(Kind.DISCARD, cs * 8 % (s / 2), cs * 2, 0));
                ops.add(new Op(Kind.ZERO, s / 2 - cs, cs, 0));
                if (c.compressed()) {
                    ops.add(new Op(Kind.COMPRESSED, s - 2 * cs, cs, 0x44));
                    ops.add(new Op(Kind.COMPRESSED, s - 3 * cs, cs, 0x45));
                }
            }
            default -> {
                ops.add(new Op(Kind.WRITE, cs * 2 - 700, 1400, 0x55));
                ops.add(new Op(Kind.WRITE, s / 2 + cs / 4, 3000, 0x66));
                ops.add(new Op(Kind.ZERO, cs * 5 + 1024, cs, 0));
                ops.add(new Op(Kind.DISCARD, s / 2, cs, 0));
                ops.add(new Op(Kind.WRITE, s - 4096, 4096, 0x77));
                if (c.compressed()) {
                    ops.add(new Op(Kind.COMPRESSED, (s / 4 + cs - 1) / cs * cs + cs, cs, 0x88));
                }
            }
        }
        return ops;
    }

    static void applyWithQemu(Path image, Qcow2MatrixConfig c, int layer) {
        List<Op> ops = ops(c, layer);
        Qemu.io(image, "qcow2", ops.stream().map(Op::qemuIo).toArray(String[]::new));
    }

    static void applyWithPlatter(Qcow2Image image, Qcow2MatrixConfig c, int layer) throws IOException {
        for (Op op : ops(c, layer)) {
            switch (op.kind) {
                case WRITE -> image.write(op.offset, ByteBuffer.wrap(pattern(op)));
                case ZERO -> image.writeZeroes(op.offset, op.length);
                case DISCARD -> image.discard(op.offset, op.length);
                case COMPRESSED -> {
                    for (long p = op.offset; p < op.offset + op.length; p += c.clusterSize()) {
                        image.writeClusterCompressed(p, ByteBuffer.wrap(new byte[c.clusterSize()]).put(0,
                                fill(c.clusterSize(), op.pattern)));
                    }
                }
            }
        }
    }

    private static byte[] fill(int n, int pattern) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) pattern);
        return b;
    }

    static byte[] pattern(Op op) {
        return fill((int) op.length, op.pattern);
    }

    /**
     * What a layer reads as after Platter applied its operations over {@code below} (the backing chain's content,
     * or zeros): discard makes whole units (clusters, or subclusters with extended L2) unallocated and zeroes the
     * partial ones at its edges.
     */
    static byte[] model(Qcow2MatrixConfig c, int layer, byte[] below) {
        byte[] m = below.clone();
        // Which bytes this layer allocates decides what a later discard uncovers.
        for (Op op : ops(c, layer)) {
            int off = (int) op.offset;
            int len = (int) op.length;
            switch (op.kind) {
                case WRITE, COMPRESSED -> Arrays.fill(m, off, off + len, (byte) op.pattern);
                case ZERO -> Arrays.fill(m, off, off + len, (byte) 0);
                case DISCARD -> {
                    long unit = c.extendedL2() ? c.clusterSize() / 32 : c.clusterSize();
                    long a = (op.offset + unit - 1) / unit * unit;
                    long b = (op.offset + op.length) / unit * unit;
                    if (op.offset + op.length == m.length) {
                        b = op.offset + op.length;
                    }
                    if (b < a) {
                        b = a;
                    }
                    Arrays.fill(m, off, (int) Math.min(a, off + len), (byte) 0);
                    System.arraycopy(below, (int) a, m, (int) a, (int) (b - a));
                    Arrays.fill(m, (int) Math.max(b, a), off + len, (byte) 0);
                }
            }
        }
        return m;
    }

    static byte[] readAll(Image image) throws IOException {
        return Qemu.readAll(image, 1 << 20);
    }
}
