package dev.platter.format.vpc;

import dev.platter.core.image.CreateOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * qemu-img's vpc creation options ({@code subformat=dynamic|fixed}, {@code force_size}), parsed and checked as
 * qemu 7.2 does with its messages, plus Platter's own {@code azure=on}: a fixed VHD of a whole number of MiB, its
 * size exact (force_size), rounded up with a warning.
 */
final class VpcCreateOptions {
    /** qemu's create-option order; Platter's own option last. */
    private static final String[] PRINT_ORDER = {"subformat", "force_size", "azure"};
    static final Set<String> KNOWN = Set.of("size", "subformat", "force_size", "azure");

    VhdDiskType type = VhdDiskType.DYNAMIC;
    boolean forceSize;
    boolean azure;

    private VpcCreateOptions() {
    }

    /** Checks qemu makes while parsing -o, before it prints anything. */
    static void checkSyntax(CreateOptions options) {
        options.requireKnown(KNOWN);
        options.getBool("force_size", false);
        options.getBool("azure", false);
    }

    /** The summary after "Formatting 'FILE', ": the options given, in qemu's order. */
    static String describe(long size, CreateOptions options) {
        StringBuilder sb = new StringBuilder("fmt=" + VpcFormat.NAME + " size=" + size);
        for (String key : PRINT_ORDER) {
            String value = options.get(key);
            if (value != null) {
                sb.append(' ').append(key).append('=').append(value);
            }
        }
        return sb.toString();
    }

    static VpcCreateOptions parse(CreateOptions options) {
        checkSyntax(options);
        VpcCreateOptions o = new VpcCreateOptions();
        String sub = options.get("subformat");
        if (sub != null) {
            if (sub.equals("dynamic")) {
                o.type = VhdDiskType.DYNAMIC;
            } else if (sub.equals("fixed")) {
                o.type = VhdDiskType.FIXED;
            } else {
                throw new IllegalArgumentException("Parameter 'subformat' does not accept value '" + sub + "'");
            }
        }
        o.forceSize = options.getBool("force_size", false);
        o.azure = options.getBool("azure", false);
        if (o.azure) {
            if (sub != null && o.type != VhdDiskType.FIXED) {
                throw new IllegalArgumentException("azure=on makes a fixed VHD (Azure takes no other): it cannot be "
                        + "combined with subformat=" + sub);
            }
            if (options.has("force_size") && !o.forceSize) {
                throw new IllegalArgumentException("azure=on needs the exact size (force_size=on): Azure refuses "
                        + "a size rounded to CHS geometry");
            }
            o.type = VhdDiskType.FIXED;
            o.forceSize = true;
        }
        return o;
    }

    /** The virtual size to create for {@code requested} bytes with azure=on: the next whole MiB. */
    static long azureSize(long requested) {
        return AzureRules.roundUp(requested);
    }

    /** What the user should know before the image is made: azure=on rounding the size up. */
    static List<String> warnings(long size, CreateOptions options) {
        List<String> out = new ArrayList<>();
        if (size >= 0 && options.getBool("azure", false) && azureSize(size) != size) {
            out.add("azure=on: the size " + size + " is not a whole number of MiB; the VHD is made "
                    + azureSize(size) + " bytes, as Azure requires");
        }
        return out;
    }
}
