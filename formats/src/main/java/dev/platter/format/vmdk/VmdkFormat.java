package dev.platter.format.vmdk;

import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageFormat;
import dev.platter.core.image.ImageOpenException;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.SafetyFinding;
import dev.platter.core.storage.Storage;

import dev.platter.core.image.SequentialImageWriter;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * VMDK, read only: every subformat qemu-img 7.2 reads (monolithicSparse, streamOptimized with the directory at the
 * front or at the end, monolithicFlat, twoGbMaxExtentSparse/Flat, vmfs, vmfsSparse, seSparse, descriptors mixing
 * them, delta disks). Probed as qemu probes it; creating and writing are refused by name.
 */
public final class VmdkFormat implements ImageFormat {
    public static final String NAME = "vmdk";
    /** qemu probes the first 512 bytes (BLOCK_PROBE_BUF_SIZE). */
    private static final int QEMU_PROBE_BYTES = 512;

    @Override
    public String name() {
        return NAME;
    }

    /**
     * qemu's vmdk_probe: a sparse extent's magic ("KDMV", or "COWD"), or a descriptor: comment lines and lines of
     * spaces may come before "version=1|2|3" and a line end.
     */
    @Override
    public int probe(ByteBuffer header, Storage storage) {
        ByteBuffer b = header.slice();
        b.limit(Math.min(b.limit(), QEMU_PROBE_BYTES));
        if (b.limit() < 4) {
            return 0;
        }
        if (SparseHeader.hasMagic(b) || CowdHeader.hasMagic(b)) {
            return CERTAIN;
        }
        int p = 0;
        int end = b.limit();
        while (p < end) {
            byte c = b.get(p);
            if (c == '#') {
                while (p < end && b.get(p) != '\n') {
                    p++;
                }
                p++;
                continue;
            }
            if (c == ' ') {
                while (p < end && b.get(p) == ' ') {
                    p++;
                }
                if (p < end && b.get(p) == '\r') {
                    p++;
                }
                if (p == end || b.get(p) != '\n') {
                    return 0;
                }
                p++;
                continue;
            }
            for (String v : new String[] {"1", "2", "3"}) {
                if (startsWith(b, p, "version=" + v + "\n") || startsWith(b, p, "version=" + v + "\r\n")) {
                    return CERTAIN;
                }
            }
            return 0;
        }
        return 0;
    }

    private static boolean startsWith(ByteBuffer b, int at, String text) {
        byte[] t = text.getBytes(StandardCharsets.ISO_8859_1);
        return b.limit() >= at + t.length && SparseHeader.startsWith(b.slice(at, t.length), t);
    }

    @Override
    public Image open(Storage storage, OpenOptions options) throws IOException {
        return VmdkImage.open(storage, options);
    }

    /**
     * check opens for reading even when asked to repair: there is nothing to repair, and check says so. Except that,
     * as in qemu, a disk with a seSparse extent cannot be opened for writing at all.
     */
    @Override
    public Image openForCheck(Storage storage, OpenOptions options) throws IOException {
        VmdkImage image = VmdkImage.open(storage, options.withReadOnly(true));
        if (!options.readOnly() && image.extents().stream().anyMatch(e -> e instanceof SeSparseExtent)) {
            image.close();
            throw new ImageOpenException(storage.name(), "No write support for seSparse images available", null);
        }
        return image;
    }

    /** Its images can name a parent (create checks that before it refuses the format). */
    @Override
    public boolean supportsBackingFile() {
        return true;
    }

    @Override
    public List<String> fileExtensions() {
        return List.of("vmdk");
    }

    @Override
    public List<SafetyFinding> safetyFindings(Storage storage) throws IOException {
        return VmdkSafety.findings(storage);
    }

    /** streamOptimized disks store every grain compressed; {@code convert -c} into other subformats is refused. */
    @Override
    public boolean supportsCompression() {
        return true;
    }

    @Override
    public String describeCreate(long size, CreateOptions options) {
        VmdkCreateOptions.checkSyntax(options);
        return VmdkCreateOptions.describe(size, options);
    }

    /**
     * A stream-optimized disk written front to back (convert to stdout): VMware's streaming layout, the directory
     * and a footer at the end. Only {@code subformat=streamOptimized}, without a backing file.
     */
    @Override
    public SequentialImageWriter createSequential(OutputStream out, long size, CreateOptions options)
            throws IOException {
        VmdkCreateOptions o = VmdkCreateOptions.parse(options);
        if (o.subformat != VmdkSubformat.STREAM_OPTIMIZED) {
            throw new IllegalArgumentException("only subformat=streamOptimized can be written to a stream ("
                    + o.subformat.qemuName + " needs a file it can seek in)");
        }
        if (o.backingFile != null) {
            throw new IllegalArgumentException("a vmdk written to a stream cannot have a backing file");
        }
        // The extent line names the disk's file; a stream's name is not known ("-" for stdout): disk.vmdk then.
        String name = options.finalPath() == null ? "-" : options.finalPath().getFileName().toString();
        if (name.equals("-")) {
            name = "disk.vmdk";
        }
        String text = NewDescriptor.vmware(NewDescriptor.randomCid(), VmdkImage.NO_PARENT, null, name,
                (size + 511) / 512, o);
        return new VmdkStreamWriter(out, size, text, o);
    }

    @Override
    public void create(Path path, long size, CreateOptions options) throws IOException {
        VmdkCreator.create(path, size, VmdkCreateOptions.parse(options), options);
    }
}
