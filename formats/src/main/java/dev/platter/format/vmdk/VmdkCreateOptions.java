package dev.platter.format.vmdk;

import dev.platter.core.image.CreateOptions;

import java.util.Set;

/**
 * qemu-img's vmdk creation options, parsed and checked as qemu 7.2 does (same order, same messages), plus Platter's
 * own {@code compression_level} for streamOptimized grains. The "Formatting" summary lists them in qemu's order.
 */
final class VmdkCreateOptions {
    /** qemu's create-option order, with the defaults it prints. Platter's own option comes last. */
    private static final String[][] PRINT_ORDER = {
        {"size", null}, {"adapter_type", null}, {"backing_file", null}, {"backing_fmt", null},
        {"compat6", "off"}, {"hwversion", "undefined"}, {"toolsversion", null}, {"subformat", null},
        {"zeroed_grain", null}, {"compression_level", null},
    };
    static final Set<String> KNOWN = Set.of("size", "adapter_type", "backing_file", "backing_fmt", "compat6",
            "hwversion", "toolsversion", "subformat", "zeroed_grain", "compression_level");
    /** The adapter types qemu 7.2 accepts (its BlockdevVmdkAdapterType). */
    private static final Set<String> ADAPTERS = Set.of("ide", "buslogic", "lsilogic", "legacyESX");
    /** zlib's default, what qemu's compress() uses. */
    static final int DEFAULT_LEVEL = 6;

    VmdkSubformat subformat = VmdkSubformat.MONOLITHIC_SPARSE;
    /** null: not given (ide for qemu's layouts, lsilogic for Platter's streamOptimized, as VMware writes it) */
    String adapterType;
    String hwVersion;
    String toolsVersion = "2147483647";
    boolean zeroedGrain;
    String backingFile;
    int compressionLevel = DEFAULT_LEVEL;

    private VmdkCreateOptions() {
    }

    /** Checks qemu makes while parsing -o, before it prints anything. */
    static void checkSyntax(CreateOptions options) {
        options.requireKnown(KNOWN);
        options.getBool("compat6", false);
        options.getBool("zeroed_grain", false);
        String level = options.get("compression_level");
        if (level != null) {
            compressionLevel(level);
        }
    }

    /** The summary after "Formatting 'FILE', ". */
    static String describe(long size, CreateOptions options) {
        StringBuilder sb = new StringBuilder("fmt=" + VmdkFormat.NAME);
        for (String[] o : PRINT_ORDER) {
            String value = o[0].equals("size") ? Long.toString(size) : options.get(o[0]);
            if (value == null) {
                value = o[1];
            }
            if (value != null) {
                sb.append(' ').append(o[0]).append('=').append(value);
            }
        }
        return sb.toString();
    }

    /** Validates as qemu's vmdk_co_create_opts and vmdk_co_do_create do, in their order. */
    static VmdkCreateOptions parse(CreateOptions options) {
        checkSyntax(options);
        VmdkCreateOptions o = new VmdkCreateOptions();
        String backingFmt = options.get("backing_fmt");
        if (backingFmt != null && !backingFmt.equals(VmdkFormat.NAME)) {
            throw new IllegalArgumentException("backing_file must be a vmdk image");
        }
        o.adapterType = options.get("adapter_type");
        if (o.adapterType != null && !ADAPTERS.contains(o.adapterType)) {
            throw new IllegalArgumentException("invalid parameter value: " + o.adapterType);
        }
        o.backingFile = options.get("backing_file");
        o.hwVersion = options.get("hwversion");
        if ("undefined".equals(o.hwVersion)) {
            o.hwVersion = null;
        }
        o.toolsVersion = options.get("toolsversion", o.toolsVersion);
        boolean compat6 = options.getBool("compat6", false);
        String fmt = options.get("subformat");
        if (fmt != null) {
            o.subformat = VmdkSubformat.byName(fmt);
            if (o.subformat == null) {
                throw new IllegalArgumentException("invalid parameter value: " + fmt);
            }
        }
        o.zeroedGrain = options.getBool("zeroed_grain", false);
        if (compat6) {
            if (o.hwVersion != null) {
                throw new IllegalArgumentException("compat6 cannot be enabled with hwversion set");
            }
            o.hwVersion = "6";
        }
        if (o.subformat.flat && o.backingFile != null) {
            throw new IllegalArgumentException("Flat image can't have backing file");
        }
        if (o.subformat.flat && o.zeroedGrain) {
            throw new IllegalArgumentException("Flat image can't enable zeroed grain");
        }
        String level = options.get("compression_level");
        if (level != null) {
            if (o.subformat != VmdkSubformat.STREAM_OPTIMIZED) {
                throw new IllegalArgumentException("compression_level needs subformat=streamOptimized (only its "
                        + "grains are compressed)");
            }
            o.compressionLevel = compressionLevel(level);
        }
        return o;
    }

    /** {@code compression_level} from creation options already checked by {@link #parse}, or null. */
    static Integer compressionLevel(java.util.Map<String, String> createOptions) {
        String level = createOptions.get("compression_level");
        return level == null ? null : compressionLevel(level);
    }

    private static int compressionLevel(String value) {
        try {
            int level = Integer.parseInt(value);
            if (level >= 1 && level <= 9) {
                return level;
            }
        } catch (NumberFormatException e) {
            // the message below
        }
        throw new IllegalArgumentException("Parameter 'compression_level' expects a zlib level from 1 to 9");
    }

    /** ddb.virtualHWVersion: qemu's default is "4". */
    String virtualHwVersion() {
        return hwVersion == null ? "4" : hwVersion;
    }
}
