package dev.platter.format.qcow2;

import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageCheck;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random sequences of write / writeZeroes / discard / snapshot create, apply, delete / resize on small images,
 * checked after each sequence against an in-memory model, by Platter's own check, and by qemu-img check and
 * qemu-img compare.
 */
@RequiresTool("qemu-img")
class Qcow2PropertyTest {
    enum Kind { WRITE, ZERO, DISCARD, COMPRESS, SNAP_CREATE, SNAP_APPLY, SNAP_DELETE, RESIZE, REOPEN }

    /** One operation; positions are fractions of the current size so that they stay valid as it changes. */
    record Op(Kind kind, double at, double length, long seed) {
        @Override
        public String toString() {
            return kind + String.format("(%.3f,%.3f,%d)", at, length, seed);
        }
    }

    /** The image configurations the sequences run on. */
    static final String[] CONFIGS = {
        "cluster_size=65536", "cluster_size=4096,compat=0.10", "cluster_size=16384,extended_l2=on",
        "cluster_size=512,refcount_bits=64", "cluster_size=4096,refcount_bits=2", "cluster_size=65536|backing",
        "cluster_size=32768,extended_l2=on|backing", "cluster_size=65536,lazy_refcounts=on",
        "cluster_size=16384,compression_type=zstd,extended_l2=on",
    };

    private Path dir;

    @BeforeProperty
    void makeDir() throws IOException {
        dir = Files.createTempDirectory("qcow2-property");
    }

    @AfterProperty
    void removeDir() {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort: a temporary folder
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // best effort
        }
    }

    @Provide
    Arbitrary<List<Op>> sequences() {
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.just(Kind.WRITE)),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(Kind.ZERO)),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(Kind.DISCARD)),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(Kind.COMPRESS)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(Kind.SNAP_CREATE)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(Kind.SNAP_APPLY)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(Kind.SNAP_DELETE)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(Kind.RESIZE)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(Kind.REOPEN)))
                .flatMap(k -> net.jqwik.api.Combinators.combine(Arbitraries.doubles().between(0, 1),
                        Arbitraries.doubles().between(0, 1), Arbitraries.longs()).as((a, b, s) -> new Op(k, a, b, s)));
        return op.list().ofMinSize(1).ofMaxSize(20);
    }

    @Provide
    Arbitrary<String> configs() {
        return Arbitraries.of(CONFIGS);
    }

    @Property(tries = 50, shrinking = ShrinkingMode.BOUNDED, seed = "20251122")
    void sequencesKeepTheImageConsistent(@ForAll("configs") String config, @ForAll("sequences") List<Op> ops)
            throws Exception {
        String[] parts = config.split("\\|");
        boolean backed = parts.length > 1;
        long size = 1 << 20;
        Path img = dir.resolve("p" + System.nanoTime() + ".qcow2");
        Model model = new Model(size);
        CreateOptions create = CreateOptions.of(CreateOptions.parseList(parts[0]));
        if (backed) {
            Path base = dir.resolve("base" + System.nanoTime() + ".qcow2");
            long baseSize = 1536 * 1024; // longer than the overlay: resize must hide its tail
            new Qcow2Format().create(base, baseSize, CreateOptions.none());
            byte[] content = new byte[(int) baseSize];
            new Random(7).nextBytes(content);
            try (Image b = Images.open(base, OpenOptions.readWriteDefaults().withFormat("qcow2"))) {
                b.write(0, ByteBuffer.wrap(content));
            }
            model.backing = content;
            model.content = Arrays.copyOf(content, (int) size);
            create = create.with("backing_file", base.getFileName().toString()).with("backing_fmt", "qcow2");
        }
        new Qcow2Format().create(img, size, create);
        Qcow2Image image = open(img);
        try {
            for (Op op : ops) {
                image = apply(image, img, op, model);
            }
            Qemu.assertSameContent(model.content, Qemu.readAll(image, 65536), "own view before close " + ops);
        } finally {
            image.close();
        }
        try (Qcow2Image again = open(img)) {
            Qemu.assertSameContent(model.content, Qemu.readAll(again, 32768), "own view after reopen " + ops);
            ImageCheck check = again.check(ImageCheck.Repair.NONE);
            assertNull(check.failure(), check.messages().toString());
            assertEquals(0, check.corruptions() + check.leaks() + check.checkErrors(), check.messages().toString());
            for (int i = 0; i < model.snapshots.size(); i++) {
                Image view = again.openSnapshot(again.snapshots().get(i).id());
                Qemu.assertSameContent(model.snapshots.get(i), Qemu.readAll(view, 65536), "snapshot " + i + " " + ops);
            }
        }
        Qemu.assertClean(img);
        Path raw = dir.resolve("model.raw");
        Files.write(raw, model.content);
        Tool.Result cmp = Qemu.img("compare", "-f", "raw", "-F", "qcow2", raw.toString(), img.toString());
        assertEquals("Images are identical.\n", cmp.stdout(), ops + ": " + cmp.stdout() + cmp.stderr());
        Files.delete(img);
    }

    private static Qcow2Image open(Path img) throws IOException {
        return (Qcow2Image) Images.open(img, OpenOptions.readWriteDefaults().withFormat("qcow2")
                .withMetadataCacheBytes(256 * 1024));
    }

    private Qcow2Image apply(Qcow2Image image, Path img, Op op, Model model) throws IOException {
        long size = model.content.length;
        long at = (long) (op.at * size);
        long len = Math.min(size - at, 1 + (long) (op.length * op.length * size / 2));
        switch (op.kind) {
            case WRITE -> {
                if (len == 0) {
                    return image;
                }
                byte[] b = new byte[(int) len];
                new Random(op.seed).nextBytes(b);
                image.write(at, ByteBuffer.wrap(b));
                System.arraycopy(b, 0, model.content, (int) at, (int) len);
            }
            case ZERO -> {
                image.writeZeroes(at, len);
                Arrays.fill(model.content, (int) at, (int) (at + len), (byte) 0);
            }
            case DISCARD -> {
                image.discard(at, len);
                model.discard(at, len, unit(image));
            }
            case COMPRESS -> {
                int cs = image.clusterSize();
                long cluster = Math.min(at / cs * cs, (size - 1) / cs * cs);
                int n = (int) Math.min(cs, size - cluster);
                byte[] b = new byte[n];
                Random r = new Random(op.seed);
                for (int i = 0; i < n; i++) {
                    b[i] = (byte) (r.nextInt(4) == 0 ? r.nextInt(256) : 'a' + i % 7); // compressible
                }
                image.writeClusterCompressed(cluster, ByteBuffer.wrap(b));
                System.arraycopy(b, 0, model.content, (int) cluster, n);
            }
            case SNAP_CREATE -> {
                if (image.refcountBits() < 2) {
                    return image;
                }
                try {
                    image.createSnapshot("s" + model.snapshots.size());
                } catch (IOException e) {
                    assertTrue(image.refcountBits() < 8 && e.getMessage().contains("refcount"), e.toString());
                    return image; // too many sharers for a narrow refcount: refused before anything changed
                }
                model.snapshots.add(model.content.clone());
            }
            case SNAP_APPLY -> {
                if (model.snapshots.isEmpty()) {
                    return image;
                }
                int i = Math.min(model.snapshots.size() - 1, (int) (op.at * model.snapshots.size()));
                try {
                    assertTrue(image.applySnapshot(image.snapshots().get(i).id()));
                } catch (IOException e) {
                    assertTrue(image.refcountBits() < 8 && e.getMessage().contains("refcount"), e.toString());
                    return image;
                }
                model.content = model.snapshots.get(i).clone();
            }
            case SNAP_DELETE -> {
                if (model.snapshots.isEmpty()) {
                    return image;
                }
                int i = Math.min(model.snapshots.size() - 1, (int) (op.at * model.snapshots.size()));
                assertTrue(image.deleteSnapshot(image.snapshots().get(i).id()));
                model.snapshots.remove(i);
            }
            case RESIZE -> {
                if (image.version() < 3 && !model.snapshots.isEmpty()) {
                    return image;
                }
                long newSize = 512 * (1 + (long) (op.length * 4096));
                image.resize(newSize, true);
                byte[] c = Arrays.copyOf(model.content, (int) newSize);
                model.content = c;
            }
            case REOPEN -> {
                image.close();
                return open(img);
            }
        }
        return image;
    }

    private static long unit(Qcow2Image image) {
        return image.extendedL2() ? image.clusterSize() / 32 : image.clusterSize();
    }

    /** What the image must read as. */
    static final class Model {
        byte[] content;
        byte[] backing;
        final List<byte[]> snapshots = new ArrayList<>();

        Model(long size) {
            content = new byte[(int) size];
        }

        /** Whole units become unallocated (the backing file shows through), partial ones read as zeros. */
        void discard(long at, long len, long unit) {
            long end = at + len;
            long a = Math.min(end, (at + unit - 1) / unit * unit);
            long b = end == content.length ? end : end / unit * unit;
            if (b < a) {
                b = a;
            }
            Arrays.fill(content, (int) at, (int) a, (byte) 0);
            for (long p = a; p < b; p++) {
                content[(int) p] = backing != null && p < backing.length ? backing[(int) p] : 0;
            }
            Arrays.fill(content, (int) b, (int) end, (byte) 0);
        }
    }
}
