package dev.platter.format.qcow2;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.ReferenceKind;
import dev.platter.core.image.SafetyFinding;
import dev.platter.core.image.SafetyFinding.Category;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The qcow2 part of the safety inspection: what the header names and claims, read without opening anything. The
 * references are the backing file and the external data file; the feature bits are checked against those qemu
 * 7.2 defines; the tables the header points at must lie inside the file.
 */
final class Qcow2Safety {
    private Qcow2Safety() {
    }

    static List<SafetyFinding> findings(Storage file) throws IOException {
        List<SafetyFinding> out = new ArrayList<>();
        long fileSize = file.size();
        Qcow2Header h;
        try {
            int bits = Qcow2Header.peekClusterBits(read(file, 0, Math.min(fileSize, 512)));
            h = Qcow2Header.parse(read(file, 0, Math.min(fileSize, 1L << bits)));
        } catch (UnsupportedFeatureException e) {
            out.add(SafetyFinding.of(Category.FEATURE, e.getMessage()));
            return out;
        } catch (CorruptImageException e) {
            out.add(SafetyFinding.of(Category.STRUCTURE, e.getMessage()));
            return out;
        }
        references(h, out);
        unknownBits(h, out);
        for (IOException problem : Qcow2Metadata.headerProblems(h, true)) {
            if (problem instanceof UnsupportedFeatureException && h.hasDataFile() && h.dataFile == null) {
                continue; // already reported as a reference
            }
            out.add(SafetyFinding.of(problem instanceof CorruptImageException ? Category.STRUCTURE
                    : Category.FEATURE, problem.getMessage()));
        }
        tablesInsideFile(h, fileSize, out);
        return out;
    }

    private static void references(Qcow2Header h, List<SafetyFinding> out) {
        if (h.backingFile != null) {
            out.add(SafetyFinding.reference(ReferenceKind.BACKING_FILE, h.backingFile, "backing file '"
                    + h.backingFile + "' (" + describe(h.backingFile) + ")"
                    + (h.backingFormat != null ? ", format " + h.backingFormat : "")));
        }
        if (h.hasDataFile()) {
            out.add(h.dataFile != null
                    ? SafetyFinding.reference(ReferenceKind.DATA_FILE, h.dataFile, "external data file '"
                            + h.dataFile + "' (" + describe(h.dataFile) + ")")
                    : SafetyFinding.reference(ReferenceKind.DATA_FILE, "", "external data file, its name not "
                            + "stored (the opener would have to name one)"));
        } else if (h.dataFile != null) {
            out.add(SafetyFinding.of(Category.STRUCTURE, "a data file name '" + h.dataFile
                    + "' is stored, but the external data file bit is not set"));
        }
        if (h.backingFile != null && h.hasDataFile() && h.dataFileRaw()) {
            out.add(SafetyFinding.of(Category.STRUCTURE, "a raw external data file with a backing file"));
        }
    }

    private static String describe(String name) {
        return SafetyFinding.describeName(name);
    }

    private static void unknownBits(Qcow2Header h, List<SafetyFinding> out) {
        // Unknown incompatible bits are among the header problems; qemu ignores the other two kinds, a careful
        // reader should not.
        long compatible = h.compatible & ~Qcow2Header.COMPAT_LAZY_REFCOUNTS;
        if (compatible != 0) {
            out.add(SafetyFinding.of(Category.FEATURE, "unknown compatible feature bits 0x"
                    + Long.toHexString(compatible)));
        }
        long autoclear = h.autoclear & ~Qcow2Header.AUTOCLEAR_KNOWN;
        if (autoclear != 0) {
            out.add(SafetyFinding.of(Category.FEATURE, "unknown autoclear feature bits 0x"
                    + Long.toHexString(autoclear)));
        }
    }

    private static void tablesInsideFile(Qcow2Header h, long fileSize, List<SafetyFinding> out) {
        long cs = h.clusterSize();
        if (h.refcountTableClusters > 0) {
            pastEnd("reference count table", h.refcountTableOffset, h.refcountTableClusters * cs, fileSize, out);
        }
        if (h.l1Size > 0) {
            pastEnd("L1 table", h.l1TableOffset, (long) h.l1Size * 8, fileSize, out);
        }
        if (h.nbSnapshots > 0) {
            pastEnd("snapshot table", h.snapshotsOffset, 40L * h.nbSnapshots, fileSize, out);
        }
        if (h.bitmaps != null && h.bitmaps.directorySize() > 0) {
            pastEnd("bitmap directory", h.bitmaps.directoryOffset(), h.bitmaps.directorySize(), fileSize, out);
        }
    }

    private static void pastEnd(String table, long offset, long length, long fileSize, List<SafetyFinding> out) {
        if (offset >= 0 && length >= 0 && offset + length >= 0 && offset + length <= fileSize) {
            return;
        }
        out.add(SafetyFinding.of(Category.STRUCTURE, "the " + table + " (offset " + offset + ", " + length
                + " bytes) runs past the end of the file (" + fileSize + " bytes)"));
    }

    private static ByteBuffer read(Storage file, long pos, long len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) len);
        file.readAt(pos, b);
        b.flip();
        return b;
    }
}
