package dev.platter.format.vpc;

import java.util.ArrayList;
import java.util.List;

/**
 * What Azure asks of an uploaded VHD: a fixed disk (dynamic and differencing ones are refused), a virtual size
 * (the footer's current size) that is a whole number of MiB, and the file exactly that size plus the 512-byte
 * footer. A valid footer is taken for granted here: a VHD whose footer is not opens nowhere.
 */
final class AzureRules {
    static final long MIB = 1L << 20;

    private AzureRules() {
    }

    static List<String> problems(VhdFooter footer, VhdDiskType type, long fileSize) {
        List<String> out = new ArrayList<>();
        if (type != VhdDiskType.FIXED) {
            out.add("a " + type.qemuName + " VHD: Azure takes fixed VHDs only (convert with -o subformat=fixed,"
                    + "azure=on)");
        }
        long size = footer.currentSize();
        if (size % MIB != 0) {
            out.add("the virtual size " + size + " is not a whole number of MiB (" + roundUp(size) + " is)");
        }
        if (type == VhdDiskType.FIXED && fileSize != size + VhdFooter.SIZE) {
            out.add("the file is " + fileSize + " bytes, not the virtual size plus the 512-byte footer ("
                    + (size + VhdFooter.SIZE) + ")");
        }
        return out;
    }

    static long roundUp(long size) {
        return (size + MIB - 1) / MIB * MIB;
    }
}
