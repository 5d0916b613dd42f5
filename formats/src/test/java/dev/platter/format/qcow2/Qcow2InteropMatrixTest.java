package dev.platter.format.qcow2;

import dev.platter.testdata.Qcow2MatrixConfig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.platter.core.Extent;
import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The round-trip matrix against the real qemu-img: for a pairwise sample of cluster size x compat x refcount width
 * x extended L2 x compression, a backing chain of three images written by qemu-io is read byte for byte by
 * Platter (with the same allocation map as qemu-img map), and a chain written by Platter passes qemu-img check
 * (no errors, no leaks) and qemu-img compare against the expected content.
 */
@RequiresTool({"qemu-img", "qemu-io"})
class Qcow2InteropMatrixTest {
    private static final String[] LAYERS = {"base", "mid", "top"};

    @TempDir
    Path dir;

    static List<Qcow2MatrixConfig> configs() {
        return Qcow2MatrixConfig.pairwise();
    }

    @Test
    void sampleCoversEveryPair() {
        List<Qcow2MatrixConfig> sample = configs();
        assertTrue(sample.size() <= 20, "sample size " + sample.size());
        for (Qcow2MatrixConfig c : sample) {
            assertTrue(c.valid(), c.toString());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void qemuWrittenChainReadsIdentically(Qcow2MatrixConfig c) throws Exception {
        Path[] chain = new Path[3];
        for (int layer = 0; layer < 3; layer++) {
            chain[layer] = dir.resolve(LAYERS[layer] + ".qcow2");
            List<String> cmd = new ArrayList<>(List.of("create", "-q", "-f", "qcow2", "-o", c.options()));
            if (layer > 0) {
                cmd.addAll(List.of("-b", chain[layer - 1].getFileName().toString(), "-F", "qcow2"));
            }
            cmd.add(chain[layer].toString());
            cmd.add(Long.toString(c.size()));
            Qemu.img(cmd.toArray(new String[0])).ok();
            ChainWorkload.applyWithQemu(chain[layer], c, layer);
        }
        for (int layer = 0; layer < 3; layer++) {
            byte[] expected = Qemu.content(chain[layer], dir);
            try (Image image = Images.open(chain[layer], OpenOptions.readOnlyDefaults().withFormat("qcow2"))) {
                Qemu.assertSameContent(expected, Qemu.readAll(image, 65536), c + " " + LAYERS[layer]);
                Qemu.assertSameContent(expected, Qemu.readAll(image, 4096 + 512), c + " " + LAYERS[layer]
                        + " odd-sized reads");
                assertEquals(qemuMap(chain[layer]), platterMap(image), c + " " + LAYERS[layer] + " map");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void platterWrittenChainPassesQemuCheckAndCompare(Qcow2MatrixConfig c) throws Exception {
        Path[] chain = new Path[3];
        byte[] expected = new byte[(int) c.size()];
        for (int layer = 0; layer < 3; layer++) {
            chain[layer] = dir.resolve(LAYERS[layer] + ".qcow2");
            Map<String, String> opts = new LinkedHashMap<>(CreateOptions.parseList(c.options()));
            if (layer > 0) {
                opts.put("backing_file", chain[layer - 1].getFileName().toString());
                opts.put("backing_fmt", "qcow2");
            }
            new Qcow2Format().create(chain[layer], c.size(), CreateOptions.of(opts));
            try (Qcow2Image image = (Qcow2Image) Images.open(chain[layer],
                    OpenOptions.readWriteDefaults().withFormat("qcow2"))) {
                ChainWorkload.applyWithPlatter(image, c, layer);
                expected = ChainWorkload.model(c, layer, expected);
                Qemu.assertSameContent(expected, ChainWorkload.readAll(image), c + " " + LAYERS[layer] + " (own)");
            }
            Qemu.assertClean(chain[layer]);
        }
        Path raw = dir.resolve("expected.raw");
        Files.write(raw, expected);
        Tool.Result cmp = Qemu.img("compare", "-f", "raw", "-F", "qcow2", raw.toString(), chain[2].toString());
        assertEquals("Images are identical.\n", cmp.stdout(), c + ": " + cmp.stdout() + cmp.stderr());
        assertEquals(0, cmp.exitCode());
    }

    /** qemu-img map --output=json as (start, length, depth, present, zero, data, offset) lines. */
    static List<String> qemuMap(Path image) throws Exception {
        String json = Qemu.img("map", "--output=json", image.toString()).ok().stdout();
        List<String> out = new ArrayList<>();
        for (JsonNode n : new ObjectMapper().readTree(json)) {
            out.add(n.get("start").asLong() + "+" + n.get("length").asLong() + " d" + n.get("depth").asInt()
                    + (n.get("present").asBoolean() ? " P" : " -") + (n.get("zero").asBoolean() ? "Z" : "-")
                    + (n.get("data").asBoolean() ? "D" : "-") + (n.has("offset") ? " @" + n.get("offset").asLong() : ""));
        }
        return out;
    }

    /** Platter's mapping() in the same form, adjacent equal runs merged as qemu-img map merges them. */
    static List<String> platterMap(Image image) throws Exception {
        List<Extent> runs = new ArrayList<>();
        for (long pos = 0; pos < image.size(); ) {
            Extent e = image.mapping(pos, Long.MAX_VALUE);
            Extent last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
            if (last != null && sameKind(last, e)
                    && (last.hostOffset() < 0 ? e.hostOffset() < 0 : e.hostOffset() == last.hostOffset() + last.length())) {
                runs.set(runs.size() - 1, last.withLength(last.length() + e.length()));
            } else {
                runs.add(e);
            }
            pos = e.end();
        }
        List<String> out = new ArrayList<>();
        for (Extent e : runs) {
            boolean data = e.status() == Extent.Status.DATA;
            out.add(e.start() + "+" + e.length() + " d" + e.depth()
                    + (e.status() != Extent.Status.UNALLOCATED ? " P" : " -") + (data ? "-" : "Z") + (data ? "D" : "-")
                    + (e.hostOffset() >= 0 && !e.compressed() ? " @" + e.hostOffset() : ""));
        }
        return out;
    }

    private static boolean sameKind(Extent a, Extent b) {
        boolean aData = a.status() == Extent.Status.DATA;
        boolean bData = b.status() == Extent.Status.DATA;
        return a.depth() == b.depth() && aData == bData
                && (a.status() == Extent.Status.UNALLOCATED) == (b.status() == Extent.Status.UNALLOCATED)
                && (a.hostOffset() < 0 || a.compressed()) == (b.hostOffset() < 0 || b.compressed());
    }
}
