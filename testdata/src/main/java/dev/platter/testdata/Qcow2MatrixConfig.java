package dev.platter.testdata;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One point of the qcow2 option matrix (cluster size x compat x refcount width x extended L2 x compression), and
 * the pairwise sample of it the interop tests run: every value of every axis appears with every value of every
 * other axis at least once, among the combinations qemu accepts. Shared by the qcow2 interop tests of the formats
 * and cli modules.
 */
public record Qcow2MatrixConfig(int clusterSize, String compat, int refcountBits, boolean extendedL2, String compression) {
    public static final int[] CLUSTERS = {512, 4096, 65536, 2 << 20};
    public static final String[] COMPATS = {"0.10", "1.1"};
    public static final int[] REFCOUNTS = {1, 16, 64};
    public static final boolean[] EXTL2 = {false, true};
    public static final String[] COMPRESSIONS = {"none", "zlib", "zstd"};

    public boolean valid() {
        boolean v2 = compat.equals("0.10");
        return !(v2 && (refcountBits != 16 || extendedL2 || compression.equals("zstd")))
                && !(extendedL2 && clusterSize < 16384);
    }

    /** qemu-img create -o options. */
    public String options() {
        StringBuilder sb = new StringBuilder("cluster_size=" + clusterSize + ",compat=" + compat + ",refcount_bits="
                + refcountBits + ",extended_l2=" + (extendedL2 ? "on" : "off"));
        if (compression.equals("zstd")) {
            sb.append(",compression_type=zstd");
        }
        return sb.toString();
    }

    public boolean compressed() {
        return !compression.equals("none");
    }

    /** Virtual size of the test images: small, but several clusters even with 2 MiB clusters. */
    public long size() {
        return Math.max(8L << 20, 8L * clusterSize);
    }

    @Override
    public String toString() {
        return clusterSize + "/" + compat + "/rc" + refcountBits + (extendedL2 ? "/extl2" : "") + "/" + compression;
    }

    private List<Object> values() {
        return List.of(clusterSize, compat, refcountBits, extendedL2, compression);
    }

    /** The pairwise sample, chosen greedily (and deterministically) from all valid combinations. */
    public static List<Qcow2MatrixConfig> pairwise() {
        List<Qcow2MatrixConfig> all = new ArrayList<>();
        for (int cs : CLUSTERS) {
            for (String c : COMPATS) {
                for (int rc : REFCOUNTS) {
                    for (boolean x : EXTL2) {
                        for (String z : COMPRESSIONS) {
                            Qcow2MatrixConfig m = new Qcow2MatrixConfig(cs, c, rc, x, z);
                            if (m.valid()) {
                                all.add(m);
                            }
                        }
                    }
                }
            }
        }
        Set<List<Object>> uncovered = new LinkedHashSet<>();
        for (Qcow2MatrixConfig m : all) {
            uncovered.addAll(m.pairs());
        }
        List<Qcow2MatrixConfig> chosen = new ArrayList<>();
        while (!uncovered.isEmpty()) {
            Qcow2MatrixConfig best = null;
            int bestCount = -1;
            for (Qcow2MatrixConfig m : all) {
                Set<List<Object>> p = new HashSet<>(m.pairs());
                p.retainAll(uncovered);
                if (p.size() > bestCount) {
                    best = m;
                    bestCount = p.size();
                }
            }
            chosen.add(best);
            uncovered.removeAll(best.pairs());
        }
        return chosen;
    }

    private List<List<Object>> pairs() {
        List<Object> v = values();
        List<List<Object>> out = new ArrayList<>();
        for (int a = 0; a < v.size(); a++) {
            for (int b = a + 1; b < v.size(); b++) {
                out.add(List.of(a, v.get(a), b, v.get(b)));
            }
        }
        return out;
    }
}
