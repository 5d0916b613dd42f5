package dev.platter.format.vmdk;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.ImageOpenException;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.ReferenceKind;
import dev.platter.core.image.ReferenceResolver;
import dev.platter.core.storage.ImageLock;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens the extents of a VMDK as qemu's vmdk_open does: a sparse file ("KDMV", "COWD") is its own single extent
 * (its embedded descriptor only gives the CIDs and the parent), anything else is a descriptor whose extent lines
 * name the files. Every extent file is opened through the reference gate ({@link ReferenceResolver#openFile}, kind
 * {@link ReferenceKind#EXTENT}) and locked as qemu locks it; an extent that is the descriptor file itself and a
 * descriptor inside an extent (which could name its own file again) are refused.
 */
final class VmdkOpener {
    /** Where qemu reads the keys of a sparse file's embedded descriptor (its desc_offset 0x200). */
    private static final long SPARSE_KEYS = 512;

    private final Storage image;
    private final OpenOptions options;
    private final List<Storage> opened = new ArrayList<>();

    private VmdkOpener(Storage image, OpenOptions options) {
        this.image = image;
        this.options = options;
    }

    /** Opens the extents; on failure every extent file opened so far is closed (not {@code image}). */
    static VmdkLayout open(Storage image, OpenOptions options) throws IOException {
        VmdkOpener o = new VmdkOpener(image, options);
        try {
            return o.open();
        } catch (IOException | RuntimeException e) {
            for (Storage s : o.opened) {
                try {
                    s.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private long cacheBytes(int extents) {
        return options.metadataCacheBytes() / Math.max(1, extents);
    }

    private VmdkLayout open() throws IOException {
        long size = image.size();
        if (size < 4) {
            throw new CorruptImageException("vmdk image", 0, "File is too small, not a valid image (" + size
                    + " bytes)");
        }
        ByteBuffer first = firstSector(image);
        List<VmdkExtent> extents = new ArrayList<>();
        String createType;
        long keysAt;
        if (SparseHeader.hasMagic(first)) {
            SparseHeader h = SparseHeader.parse(first);
            keysAt = SPARSE_KEYS;
            if (h.capacity == 0 && h.descriptorOffset != 0) {
                // A sparse header that only points at a descriptor: its extents are other files.
                Descriptor d = readDescriptor(image, embeddedDescriptor(h, size), Math.min(size, Descriptor.MAX_BYTES));
                createType = descriptorExtents(d, extents);
            } else {
                SparseExtent e = SparseExtent.openHosted(image, "", first.duplicate(), cacheBytes(1),
                        !options.readOnly());
                extents.add(e);
                createType = e.compressed() ? "streamOptimized" : "monolithicSparse";
            }
        } else if (CowdHeader.hasMagic(first)) {
            keysAt = SPARSE_KEYS;
            refuseWrites("vmfsSparse (COWD) extents");
            extents.add(SparseExtent.openCowd(image, "", first.duplicate(), cacheBytes(1)));
            createType = "";
        } else {
            if (size > Descriptor.MAX_BYTES) {
                throw new CorruptImageException("vmdk descriptor", 0, "the file is " + size + " bytes, more than a"
                        + " descriptor's " + Descriptor.MAX_BYTES + " (not a VMDK descriptor)");
            }
            keysAt = 0;
            Descriptor d = readDescriptor(image, 0, size);
            createType = descriptorExtents(d, extents);
        }
        byte[] keys = new byte[Descriptor.KEY_AREA];
        image.readAt(keysAt, ByteBuffer.wrap(keys));
        String area = Descriptor.keyArea(keys, keys.length);
        String hint = Descriptor.parentHint(area, "vmdk descriptor", keysAt);
        Long cid = Descriptor.cid(area, false);
        Long parentCid = Descriptor.cid(area, true);
        if (cid == null || parentCid == null) {
            throw new CorruptImageException("vmdk descriptor", keysAt, "no " + (cid == null ? "CID" : "parentCID")
                    + " (a hexadecimal content ID) in its first " + Descriptor.KEY_AREA + " bytes");
        }
        return new VmdkLayout(List.copyOf(extents), createType, cid, parentCid, hint, keysAt);
    }

    /** Where a sparse header that holds no disk (capacity 0) says its descriptor is, which must be in the file. */
    static long embeddedDescriptor(SparseHeader h, long fileSize) throws CorruptImageException {
        if (h.descriptorOffset < 0 || h.descriptorOffset >= (fileSize + 511) / 512) {
            throw new CorruptImageException("vmdk sparse extent header", 0, "the descriptor (sector "
                    + Long.toUnsignedString(h.descriptorOffset) + ") lies past the end of the file (" + fileSize
                    + " bytes)");
        }
        return h.descriptorOffset * 512;
    }

    private static ByteBuffer firstSector(Storage file) throws IOException {
        ByteBuffer first = ByteBuffer.allocate(SparseHeader.SIZE);
        file.readAt(0, first);
        return first.clear();
    }

    private static Descriptor readDescriptor(Storage file, long offset, long length) throws IOException {
        byte[] bytes = new byte[(int) Math.min(length, Descriptor.MAX_BYTES)];
        file.readAt(offset, ByteBuffer.wrap(bytes)); // past the end: zeros, which end the text
        return Descriptor.of(bytes, bytes.length, "vmdk descriptor", offset);
    }

    /** Checks the createType, opens every extent line's file; returns qemu's create type. */
    private String descriptorExtents(Descriptor d, List<VmdkExtent> extents) throws IOException {
        String createType = d.createType();
        if (!Descriptor.FILE_TYPES.contains(createType)) {
            throw new UnsupportedFeatureException("vmdk createType " + createType, "Unsupported image type '"
                    + createType + "'");
        }
        List<ExtentLine> lines = d.extents();
        long total = 0;
        for (ExtentLine line : lines) {
            VmdkExtent e = openExtent(line, cacheBytes(lines.size()));
            extents.add(e);
            if (e.compressed()) {
                createType = "streamOptimized";
            }
            if (e.length() > Long.MAX_VALUE - total) {
                throw new CorruptImageException("vmdk descriptor", 0, "the extents add up to more than a disk can "
                        + "hold");
            }
            total += e.length();
        }
        return createType;
    }

    private VmdkExtent openExtent(ExtentLine line, long cacheBytes) throws IOException {
        if (line.flat() && (line.sectors() > Long.MAX_VALUE / 512 || line.offset() > Long.MAX_VALUE / 512)) {
            throw new CorruptImageException("vmdk descriptor", 0, "extent '" + line.fileName() + "' of "
                    + line.sectors() + " sectors at sector " + line.offset() + " lies beyond what a file can hold");
        }
        Path referrer = image.path() != null ? image.path() : Path.of(image.name());
        String shown = ReferenceResolver.pathCombine(image.name(), line.fileName());
        Storage file;
        try {
            file = options.resolver().openFile(referrer, line.fileName(), ReferenceKind.EXTENT, shown,
                    options.readOnly());
        } catch (ImageOpenException e) {
            // qemu-img's two layers: Could not open 'disk.vmdk': Could not open 'disk-flat.vmdk': why
            throw new ImageOpenException(image.name(), e.getMessage(), e);
        }
        opened.add(file);
        if (sameFile(file, image)) {
            throw new CorruptImageException("vmdk descriptor", 0, "extent '" + line.fileName() + "' is the "
                    + "descriptor file itself");
        }
        boolean forceShare = options.locking() == OpenOptions.Locking.FORCE_SHARE;
        boolean readOnly = options.readOnly();
        Images.lock(file, shown, line.flat() ? (forceShare ? ImageLock.reader(false, true)
                : ImageLock.dataFile(readOnly)) : readOnly ? ImageLock.reader(true, forceShare)
                : ImageLock.writer(true), options);
        if (line.flat()) {
            return new FlatExtent(file, line.type(), line.sectors(), line.offset() * 512);
        }
        if (line.type().equals(ExtentLine.SE_SPARSE)) {
            refuseWrites("seSparse extents");
            return SeSparseExtent.open(file, line.type(), cacheBytes);
        }
        if (file.size() < 4) {
            throw new CorruptImageException("vmdk extent '" + shown + "'", 0, "File is too small, not a valid "
                    + "image (" + file.size() + " bytes)");
        }
        ByteBuffer first = firstSector(file);
        if (SparseHeader.hasMagic(first)) {
            SparseHeader h = SparseHeader.parse(first);
            if (h.capacity == 0 && h.descriptorOffset != 0) {
                throw new UnsupportedFeatureException("nested vmdk descriptors", "extent '" + shown + "' holds a "
                        + "descriptor of its own (nested descriptors are not read: they can name files in a loop)");
            }
            return SparseExtent.openHosted(file, line.type(), first, cacheBytes, !readOnly);
        }
        if (CowdHeader.hasMagic(first)) {
            refuseWrites("vmfsSparse (COWD) extents");
            return SparseExtent.openCowd(file, line.type(), first, cacheBytes);
        }
        throw new CorruptImageException("vmdk extent '" + shown + "'", 0, "Image not in VMDK format (no KDMV or "
                + "COWD magic)");
    }

    /** Extent kinds Platter reads but does not write. */
    private void refuseWrites(String what) throws UnsupportedFeatureException {
        if (!options.readOnly()) {
            throw new UnsupportedFeatureException("vmdk writes to " + what, "Platter does not write " + what
                    + " (open read-only, or convert the disk)");
        }
    }

    private static boolean sameFile(Storage a, Storage b) {
        if (a == b) {
            return true;
        }
        if (a.path() == null || b.path() == null) {
            return false;
        }
        try {
            return Files.isSameFile(a.path(), b.path());
        } catch (IOException e) {
            return false;
        }
    }
}
