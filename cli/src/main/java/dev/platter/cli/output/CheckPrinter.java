package dev.platter.cli.output;

import dev.platter.core.image.ImageCheck;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.Map;

/** Prints an {@link ImageCheck} as qemu-img 7.2's {@code check} does, in human and JSON form. */
public final class CheckPrinter {
    private CheckPrinter() {
    }

    /** The QAPI ImageCheck object, members in schema order; optional counters only when non-zero. */
    public static Map<String, Object> toJson(ImageCheck c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("filename", c.filename());
        m.put("format", c.format());
        m.put("check-errors", c.checkErrors());
        putNonZero(m, "image-end-offset", c.imageEndOffset());
        putNonZero(m, "corruptions", c.corruptions());
        putNonZero(m, "leaks", c.leaks());
        putNonZero(m, "corruptions-fixed", c.corruptionsFixed());
        putNonZero(m, "leaks-fixed", c.leaksFixed());
        putNonZero(m, "total-clusters", c.totalClusters());
        putNonZero(m, "allocated-clusters", c.allocatedClusters());
        putNonZero(m, "fragmented-clusters", c.fragmentedClusters());
        putNonZero(m, "compressed-clusters", c.compressedClusters());
        return m;
    }

    private static void putNonZero(Map<String, Object> m, String key, long value) {
        if (value != 0) {
            m.put(key, value);
        }
    }

    /** qemu-img's human summary (stdout). */
    public static String human(ImageCheck c) {
        StringBuilder sb = new StringBuilder();
        if (c.corruptions() == 0 && c.leaks() == 0 && c.checkErrors() == 0) {
            sb.append("No errors were found on the image.\n");
        } else {
            if (c.corruptions() != 0) {
                sb.append('\n').append(c.corruptions()).append(" errors were found on the image.\n")
                        .append("Data may be corrupted, or further writes to the image may corrupt it.\n");
            }
            if (c.leaks() != 0) {
                sb.append('\n').append(c.leaks()).append(" leaked clusters were found on the image.\n")
                        .append("This means waste of disk space, but no harm to data.\n");
            }
            if (c.checkErrors() != 0) {
                sb.append('\n').append(c.checkErrors()).append(" internal errors have occurred during the check.\n");
            }
        }
        if (c.totalClusters() != 0 && c.allocatedClusters() != 0) {
            sb.append(c.allocatedClusters()).append('/').append(c.totalClusters()).append(" = ")
                    .append(percent(c.allocatedClusters() * 100.0 / c.totalClusters())).append("% allocated, ")
                    .append(percent(c.fragmentedClusters() * 100.0 / c.allocatedClusters())).append("% fragmented, ")
                    .append(percent(c.compressedClusters() * 100.0 / c.allocatedClusters()))
                    .append("% compressed clusters\n");
        }
        if (c.imageEndOffset() != 0) {
            sb.append("Image end offset: ").append(c.imageEndOffset()).append('\n');
        }
        return sb.toString();
    }

    /** The "repaired" header qemu-img prints before checking the fixed image again. */
    public static String repaired(ImageCheck c) {
        return "The following inconsistencies were found and repaired:\n\n"
                + "    " + c.leaksFixed() + " leaked clusters\n"
                + "    " + c.corruptionsFixed() + " corruptions\n\n"
                + "Double checking the fixed image now...\n";
    }

    /** C's %0.2f: the exact binary value rounded half to even. */
    static String percent(double v) {
        return new BigDecimal(v).setScale(2, RoundingMode.HALF_EVEN).toPlainString();
    }
}
