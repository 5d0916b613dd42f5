package dev.platter.format.vhdx;

import dev.platter.core.image.CreateOptions;

import java.util.Set;

/**
 * qemu-img's vhdx creation options, parsed and checked as qemu 7.2 does (vhdx_co_create_opts, then
 * vhdx_co_create): the size rounded up to 512 bytes, log and block sizes rounded up to a MiB, a block size of 0
 * meaning "by disk size" and one over 256 MiB silently 256 MiB; then qemu's checks in qemu's order.
 */
final class VhdxCreateOptions {
    static final Set<String> KNOWN = Set.of("size", "log_size", "block_size", "subformat", "block_state_zero");
    static final long MIB = 1 << 20;
    static final long DEFAULT_LOG = MIB;

    long size;
    long logSize = DEFAULT_LOG;
    long blockSize;
    boolean fixed;
    boolean blockStateZero = true;

    private VhdxCreateOptions() {
    }

    static void checkSyntax(CreateOptions options) {
        options.requireKnown(KNOWN);
        options.getBool("block_state_zero", true);
        options.getSize("log_size", DEFAULT_LOG);
        options.getSize("block_size", 0);
    }

    /** The summary after "Formatting 'FILE', ": log_size and block_size always (their defaults), the rest as given. */
    static String describe(long size, CreateOptions options) {
        StringBuilder sb = new StringBuilder("fmt=" + VhdxFormat.NAME + " size=" + size);
        sb.append(" log_size=").append(options.getSize("log_size", DEFAULT_LOG));
        sb.append(" block_size=").append(options.getSize("block_size", 0));
        if (options.has("subformat")) {
            sb.append(" subformat=").append(options.get("subformat"));
        }
        if (options.has("block_state_zero")) {
            sb.append(" block_state_zero=").append(options.getBool("block_state_zero", true) ? "on" : "off");
        }
        return sb.toString();
    }

    static VhdxCreateOptions parse(long size, CreateOptions options) {
        checkSyntax(options);
        VhdxCreateOptions o = new VhdxCreateOptions();
        String sub = options.get("subformat", "dynamic");
        if (!sub.equals("dynamic") && !sub.equals("fixed")) {
            throw new IllegalArgumentException("Parameter 'subformat' does not accept value '" + sub + "'");
        }
        o.fixed = sub.equals("fixed");
        o.blockStateZero = options.getBool("block_state_zero", true);
        o.size = (size + 511) / 512 * 512;
        if (options.has("log_size")) {
            o.logSize = roundUpMib(options.getSize("log_size", DEFAULT_LOG));
        }
        long block = 0;
        if (options.has("block_size")) {
            block = Math.min(roundUpMib(options.getSize("block_size", 0)), VhdxMetadata.MAX_BLOCK);
        }
        if (o.size > VhdxMetadata.MAX_SIZE) {
            throw new IllegalArgumentException("Image size too large; max of 64TB");
        }
        if (o.logSize > 0xffffffffL) {
            throw new IllegalArgumentException("Log size must be smaller than 4 GB");
        }
        if (o.logSize < MIB || o.logSize % MIB != 0) {
            throw new IllegalArgumentException("Log size must be a multiple of 1 MB");
        }
        if (block == 0) {
            if (o.size > 32L << 40) {
                block = 64 * MIB;
            } else if (o.size > 100L << 30) {
                block = 32 * MIB;
            } else if (o.size > 1L << 30) {
                block = 16 * MIB;
            } else {
                block = 8 * MIB;
            }
        }
        if (Long.bitCount(block) != 1) {
            throw new IllegalArgumentException("Block size must be a power of two");
        }
        o.blockSize = block;
        return o;
    }

    private static long roundUpMib(long n) {
        return (n + MIB - 1) / MIB * MIB;
    }
}
