package dev.platter.format.qcow2;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One point of the qcow2 option matrix (cluster size x compat x refcount width x extended L2 x compression), and
 * the pairwise sample of it the interop tests run: every value of every axis appears with every value of every
 * other axis at least once, among the combinations qemu accepts.
 */
record MatrixConfig(int clusterSize, String compat, int refcountBits, boolean extendedL2, String compression) {
    static final int[] CLUSTERS = {512, 4096, 65536, 2 << 20};
    static final String[] COMPATS = {"0.10", "1.1"};
    static final int[] REFCOUNTS = {1, 16, 64};
    static final boolean[] EXTL2 = {false, true};
    static final String[] COMPRESSIONS = {"none", "zlib", "zstd"};

    boolean valid() {
        boolean v2 = compat.equals("0.10");
        return !(v2 && (refcountBits != 16 || extendedL2 || compression.equals("zstd")))
                && !(extendedL2 && clusterSize < 16384);
    }

    /** qemu-img create -o options. */
    String options() {
        StringBuilder sb = new StringBuilder("cluster_size=" + clusterSize + ",compat=" + compat + ",refcount_bits="
                + refcountBits + ",extended_l2=" + (extendedL2 ? "on" : "off"));
        if (compression.equals("zstd")) {
            sb.append(",compression_type=zstd");
        }
        return sb.toString();
    }

    boolean compressed() {
        return !compression.equals("none");
    }

    /** Virtual size of the test images: small, but several clusters even with 2 MiB clusters. */
    long size() {
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
    static List<MatrixConfig> pairwise() {
        List<MatrixConfig> all = new ArrayList<>();
        for (int cs : CLUSTERS) {
            for (String c : COMPATS) {
                for (int rc : REFCOUNTS) {
                    for (boolean x : EXTL2) {
                        for (String z : COMPRESSIONS) {
                            MatrixConfig m = new MatrixConfig(cs, c, rc, x, z);
                            if (m.valid()) {
                                all.add(m);
                            }
                        }
                    }
                }
            }
        }
        Set<List<Object>> uncovered = new LinkedHashSet<>();
        for (MatrixConfig m : all) {
            uncovered.addAll(m.pairs());
        }
        List<MatrixConfig> chosen = new ArrayList<>();
        while (!uncovered.isEmpty()) {
            MatrixConfig best = null;
            int bestCount = -1;
            for (MatrixConfig m : all) {
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
