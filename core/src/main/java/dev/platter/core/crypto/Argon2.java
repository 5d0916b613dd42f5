package dev.platter.core.crypto;

import dev.platter.core.UnsupportedFeatureException;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2i and Argon2id (RFC 9106, version 0x13) as LUKS2 key slots use them, over Bouncy Castle's
 * {@link Argon2BytesGenerator}: the passphrase bytes as the password, no secret, no associated data. The costs come
 * from a header nobody vouches for, so they are bounded before any memory is taken: a header cannot make Platter
 * run out of memory or compute for hours.
 */
public final class Argon2 {
    /** cryptsetup's own ceiling for the memory cost: 4 GiB, in KiB. */
    public static final long MAX_MEMORY_KIB = 4L * 1024 * 1024;
    /** The most lanes Platter computes (cryptsetup writes at most 4). */
    public static final int MAX_LANES = 64;
    /**
     * The most work for one key, as time cost times memory (KiB): 16 GiB of passes over the memory, about a minute
     * here (cryptsetup's defaults, 1 GiB and a few passes, stay well inside it).
     */
    public static final long MAX_WORK_KIB = 1L << 24;
    /** What Bouncy Castle holds per KiB block (the 1024 bytes, the array and block objects) and some margin. */
    private static final long HEAP_BYTES_PER_KIB = 1024 + 64;
    /** Heap kept free for everything else while a key is derived. */
    private static final long HEAP_RESERVE = 64L << 20;

    public enum Type {
        ARGON2I("argon2i", Argon2Parameters.ARGON2_i),
        ARGON2ID("argon2id", Argon2Parameters.ARGON2_id);

        private final String luksName;
        private final int bcType;

        Type(String luksName, int bcType) {
            this.luksName = luksName;
            this.bcType = bcType;
        }

        /** The name as LUKS2 headers spell it. */
        public String luksName() {
            return luksName;
        }
    }

    private Argon2() {
    }

    /**
     * Checks the costs against what the algorithm allows and Platter's bounds: an {@link IllegalArgumentException}
     * naming the cost that is out of range. Depends on nothing but the values.
     */
    public static void checkCosts(Type type, long timeCost, long memoryKib, long lanes) {
        String name = type.luksName;
        if (lanes < 1 || lanes > MAX_LANES) {
            throw new IllegalArgumentException(name + " parallel cost " + lanes + " is outside 1.." + MAX_LANES);
        }
        if (memoryKib < 8 * lanes || memoryKib > MAX_MEMORY_KIB) {
            throw new IllegalArgumentException(name + " memory cost " + memoryKib + " KiB is outside " + 8 * lanes
                    + ".." + MAX_MEMORY_KIB + " KiB");
        }
        if (timeCost < 1 || timeCost > MAX_WORK_KIB / memoryKib) {
            throw new IllegalArgumentException(name + " time cost " + timeCost + " with " + memoryKib
                    + " KiB of memory is outside 1.." + MAX_WORK_KIB / memoryKib + " (Platter computes at most "
                    + (MAX_WORK_KIB >> 20) + " GiB of memory passes for one key)");
        }
    }

    /** Refuses, before anything is allocated, a memory cost this JVM's heap cannot hold now. */
    public static void checkHeap(Type type, long memoryKib) throws UnsupportedFeatureException {
        Runtime rt = Runtime.getRuntime();
        long available = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory()) - HEAP_RESERVE;
        long needed = memoryKib * HEAP_BYTES_PER_KIB;
        if (needed > available) {
            throw new UnsupportedFeatureException("argon2 memory", type.luksName + " memory cost " + memoryKib
                    + " KiB needs about " + (needed >> 20) + " MiB of heap, more than this JVM has free ("
                    + Math.max(0, available >> 20) + " MiB of " + (rt.maxMemory() >> 20)
                    + " MiB); run with a larger -Xmx");
        }
    }

    /** Derives {@code length} bytes; the caller wipes the result. */
    public static byte[] derive(Type type, byte[] password, byte[] salt, long timeCost, long memoryKib, long lanes,
                                int length) throws UnsupportedFeatureException {
        checkCosts(type, timeCost, memoryKib, lanes);
        checkHeap(type, memoryKib);
        Argon2Parameters.Builder b = new Argon2Parameters.Builder(type.bcType)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withIterations((int) timeCost)
                .withMemoryAsKB((int) memoryKib)
                .withParallelism((int) lanes)
                .withSalt(salt);
        Argon2Parameters params = b.build();
        byte[] out = new byte[length];
        try {
            Argon2BytesGenerator g = new Argon2BytesGenerator();
            g.init(params);
            g.generateBytes(password, out);
            return out;
        } catch (OutOfMemoryError e) {
            // The check above should make this impossible; if the heap filled up meanwhile, say so in one line.
            Secret.wipe(out);
            throw new UnsupportedFeatureException("argon2 memory", type.luksName + " memory cost " + memoryKib
                    + " KiB did not fit in this JVM's heap; run with a larger -Xmx");
        } finally {
            params.clear();
            b.clear();
        }
    }
}
