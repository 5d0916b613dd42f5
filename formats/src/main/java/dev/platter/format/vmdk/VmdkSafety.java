package dev.platter.format.vmdk;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.ReferenceKind;
import dev.platter.core.image.SafetyFinding;
import dev.platter.core.image.SafetyFinding.Category;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The vmdk part of {@code check --safety}, from the image file alone (no extent or parent is opened). Only a
 * monolithicSparse or streamOptimized file keeps the whole disk in itself: any other VMDK (a descriptor naming
 * extent files, a header pointing at one) is a finding, and so is every file it names: each extent line (also those
 * qemu skips, RDONLY and NOACCESS, which VMware reads) and the parent of a delta disk. Header fields qemu would
 * refuse, unknown flags and a grain directory outside the file are findings too.
 */
final class VmdkSafety {
    private static final long KEYS_IN_SPARSE = 512;

    private VmdkSafety() {
    }

    static List<SafetyFinding> findings(Storage file) throws IOException {
        List<SafetyFinding> out = new ArrayList<>();
        long size = file.size();
        ByteBuffer first = ByteBuffer.allocate(SparseHeader.SIZE);
        file.readAt(0, first);
        first.clear();
        long keysAt = 0;
        if (size >= 4 && SparseHeader.hasMagic(first)) {
            keysAt = KEYS_IN_SPARSE;
            SparseHeader h = SparseHeader.parse(first);
            if (h.capacity == 0 && h.descriptorOffset != 0) {
                try {
                    descriptor(file, VmdkOpener.embeddedDescriptor(h, size), size, out);
                } catch (CorruptImageException e) {
                    out.add(SafetyFinding.of(Category.STRUCTURE, e.getMessage()));
                }
            } else {
                if (h.unknownFlags() != 0) {
                    out.add(SafetyFinding.of(Category.FEATURE, "unknown sparse extent flags 0x"
                            + Integer.toHexString(h.unknownFlags()) + " (qemu ignores them)"));
                }
                sparse(() -> SparseExtent.openHosted(file, "", first.duplicate(), 1 << 16, false), out);
            }
        } else if (size >= 4 && CowdHeader.hasMagic(first)) {
            keysAt = KEYS_IN_SPARSE;
            sparse(() -> SparseExtent.openCowd(file, "", first.duplicate(), 1 << 16), out);
        } else if (size > Descriptor.MAX_BYTES) {
            out.add(SafetyFinding.of(Category.STRUCTURE, "the file is " + size + " bytes, more than a descriptor's "
                    + Descriptor.MAX_BYTES));
            return out;
        } else {
            descriptor(file, 0, size, out);
        }
        keys(file, keysAt, out);
        return out;
    }

    @FunctionalInterface
    private interface Opening {
        SparseExtent open() throws IOException;
    }

    private static void sparse(Opening opening, List<SafetyFinding> out) throws IOException {
        try {
            opening.open();
        } catch (UnsupportedFeatureException e) {
            out.add(SafetyFinding.of(Category.FEATURE, e.getMessage()));
        } catch (CorruptImageException e) {
            out.add(SafetyFinding.of(Category.STRUCTURE, e.getMessage()));
        }
    }

    /** A descriptor: the disk is in other files. Every extent line that names one is a reference. */
    private static void descriptor(Storage file, long offset, long size, List<SafetyFinding> out) throws IOException {
        byte[] bytes = new byte[(int) Math.min(size, Descriptor.MAX_BYTES)];
        file.readAt(offset, ByteBuffer.wrap(bytes));
        Descriptor d;
        String createType;
        try {
            d = Descriptor.of(bytes, bytes.length, "vmdk descriptor", offset);
            createType = d.createType();
        } catch (CorruptImageException e) {
            out.add(SafetyFinding.of(Category.STRUCTURE, e.getMessage()));
            return;
        }
        out.add(SafetyFinding.of(Category.FEATURE, "createType '" + createType + "': a descriptor whose disk lies in "
                + "the files it names (only a monolithicSparse or streamOptimized file holds the whole disk)"));
        if (!Descriptor.FILE_TYPES.contains(createType)) {
            out.add(SafetyFinding.of(Category.FEATURE, "Unsupported image type '" + createType + "'"));
        }
        try {
            d.extents(); // what qemu would refuse
        } catch (CorruptImageException e) {
            out.add(SafetyFinding.of(Category.STRUCTURE, e.getMessage()));
        }
        for (String line : d.text().split("\n", -1)) {
            extentReference(line, out);
        }
    }

    /** Any line {@code ACCESS SECTORS TYPE "FILE" ...}, whatever the access: VMware reads RDONLY extents too. */
    private static void extentReference(String line, List<SafetyFinding> out) {
        String t = line.strip();
        String access = t.split("\\s+", 2)[0];
        if (!access.equals("RW") && !access.equals("RDONLY") && !access.equals("NOACCESS")) {
            return;
        }
        int open = t.indexOf('"');
        int close = open < 0 ? -1 : t.indexOf('"', open + 1);
        if (close < 0) {
            return;
        }
        String name = new String(t.substring(open + 1, close).getBytes(StandardCharsets.ISO_8859_1),
                StandardCharsets.UTF_8);
        String[] fields = t.substring(0, open).trim().split("\\s+");
        String type = fields.length >= 3 ? fields[2] : "?";
        out.add(SafetyFinding.reference(ReferenceKind.EXTENT, name, "extent '" + name + "' ("
                + SafetyFinding.describeName(name) + "), " + type.toUpperCase(Locale.ROOT) + ", " + access
                + (access.equals("RW") ? "" : " (skipped by qemu, read by VMware)")));
    }

    /** The keys qemu reads from the descriptor area: the parent, and the CIDs it needs to open the disk. */
    private static void keys(Storage file, long at, List<SafetyFinding> out) throws IOException {
        byte[] keys = new byte[Descriptor.KEY_AREA];
        file.readAt(at, ByteBuffer.wrap(keys));
        String area = Descriptor.keyArea(keys, keys.length);
        try {
            String hint = Descriptor.parentHint(area, "vmdk descriptor", at);
            if (hint != null && !hint.isEmpty()) {
                out.add(SafetyFinding.reference(ReferenceKind.BACKING_FILE, hint, "parent '" + hint + "' ("
                        + SafetyFinding.describeName(hint) + "), format vmdk"));
            }
        } catch (CorruptImageException e) {
            out.add(SafetyFinding.of(Category.STRUCTURE, e.getMessage()));
        }
        if (Descriptor.cid(area, false) == null || Descriptor.cid(area, true) == null) {
            out.add(SafetyFinding.of(Category.STRUCTURE, "no CID or parentCID in the descriptor (qemu refuses to "
                    + "open it)"));
        }
    }
}
