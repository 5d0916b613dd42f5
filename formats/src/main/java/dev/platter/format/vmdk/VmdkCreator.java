package dev.platter.format.vmdk;

import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.FileStorage;
import dev.platter.core.storage.HostFiles;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates VMDK disks. Every subformat qemu-img lays out comes out as qemu-img 7.2 makes it (same header, same
 * directory and table places, same descriptor, same file names; only the random CID differs). streamOptimized
 * comes out as VMware's open-vmdk makes it instead (see {@link StreamLayout}), with VMware's descriptor keys.
 */
final class VmdkCreator {
    /** The embedded descriptor's place and room: sector 1, 20 sectors (qemu and VMware alike). */
    static final long DESCRIPTOR_SECTOR = 1;
    static final long DESCRIPTOR_SECTORS = 20;
    static final int GRAIN_SECTORS = 128;
    static final int GTES_PER_GT = 512;

    private final List<Path> created = new ArrayList<>();

    private VmdkCreator() {
    }

    static void create(Path path, long requestedSize, VmdkCreateOptions o, CreateOptions create) throws IOException {
        VmdkCreator c = new VmdkCreator();
        boolean done = false;
        try {
            c.createAll(path, (requestedSize + 511) & ~511L, o, create);
            done = true;
        } finally {
            if (!done) {
                for (Path p : c.created) {
                    if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
    }

    private void createAll(Path path, long size, VmdkCreateOptions o, CreateOptions create) throws IOException {
        if (Files.exists(path) && !Files.isRegularFile(path)) {
            throw new IOException(path + ": not a regular file; a vmdk image cannot be created there");
        }
        Path named = create.finalPath() != null ? create.finalPath() : path;
        String base = named.getFileName().toString();
        int dot = base.lastIndexOf('.');
        String prefix = dot < 0 ? base : base.substring(0, dot);
        String postfix = dot < 0 ? "" : base.substring(dot);
        long parentCid = VmdkImage.NO_PARENT;
        if (o.backingFile != null) {
            parentCid = parentCid(named, o.backingFile, create);
        }
        long cid = NewDescriptor.randomCid();
        VmdkSubformat sub = o.subformat;
        if (sub == VmdkSubformat.STREAM_OPTIMIZED) {
            String text = NewDescriptor.vmware(cid, parentCid, o.backingFile, base, size / 512, o);
            try (Storage s = createFile(path)) {
                StreamLayout.forCapacity(size / 512).writeEmpty(s, text, o.zeroedGrain);
            }
            return;
        }
        if (sub.monolithicSparse()) {
            String line = "RW " + size / 512 + " SPARSE \"" + base + "\"\n";
            String text = NewDescriptor.qemu(cid, parentCid, sub.qemuName, o.backingFile, List.of(line), size, o);
            try (Storage s = createFile(path)) {
                writeQemuSparseExtent(s, size / 512, o.zeroedGrain);
                writeDescriptor(s, DESCRIPTOR_SECTOR * 512, text);
            }
            return;
        }
        // A descriptor file and extent files beside it, named as qemu names them.
        List<String> lines = new ArrayList<>();
        Path dir = path.toAbsolutePath().getParent();
        long extentBytes = sub.split ? VmdkSubformat.SPLIT_BYTES : size;
        try (Storage descriptor = createFile(path)) {
            int index = 1;
            for (long done = 0; done < size; index++) {
                long n = Math.min(size - done, extentBytes);
                String name = sub.split ? String.format("%s-%c%03d%s", prefix, sub.flat ? 'f' : 's', index, postfix)
                        : prefix + "-flat" + postfix;
                try (Storage extent = createFile(dir.resolve(name))) {
                    if (sub.flat) {
                        extent.setSize(n);
                    } else {
                        writeQemuSparseExtent(extent, n / 512, o.zeroedGrain);
                    }
                }
                lines.add("RW " + n / 512 + (sub.flat ? " FLAT \"" + name + "\" 0\n" : " SPARSE \"" + name + "\"\n"));
                done += n;
            }
            String text = NewDescriptor.qemu(cid, parentCid, sub.qemuName, o.backingFile, lines, size, o);
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            descriptor.write(0, ByteBuffer.wrap(bytes));
            descriptor.setSize(bytes.length);
        }
    }

    private Storage createFile(Path p) throws IOException {
        if (Files.exists(p) && !Files.isRegularFile(p) && !FileStorage.isBlockDevice(p)) {
            throw new IOException(p + ": not a regular file; a vmdk extent cannot be created there");
        }
        Storage s = HostFiles.create(p, true);
        created.add(p);
        return s;
    }

    /**
     * The parent's CID, as qemu's create reads it: the backing file (named relative to the new disk) must open as
     * a vmdk.
     */
    private static long parentCid(Path disk, String backing, CreateOptions create) throws IOException {
        OpenOptions open = OpenOptions.readOnlyDefaults().withOpenBacking(false).withResolver(create.resolver());
        try (Image parent = Images.openBacking(disk, backing, null, open)) {
            if (!(parent instanceof VmdkImage v)) {
                throw new IllegalArgumentException("Invalid backing file format: " + parent.formatName()
                        + ". Must be vmdk");
            }
            return v.cid();
        }
    }

    /**
     * qemu's vmdk_init_extent for a hosted sparse extent: header, room for the descriptor, the redundant directory
     * and all its grain tables, the directory and all its tables, the file grown to the first grain.
     */
    static void writeQemuSparseExtent(Storage s, long capacitySectors, boolean zeroedGrain) throws IOException {
        long grains = (capacitySectors + GRAIN_SECTORS - 1) / GRAIN_SECTORS;
        long gtSectors = GTES_PER_GT * 4 / 512;
        long gtCount = (grains + GTES_PER_GT - 1) / GTES_PER_GT;
        long gdSectors = (gtCount * 4 + 511) / 512;
        long rgd = DESCRIPTOR_SECTOR + DESCRIPTOR_SECTORS;
        long gd = rgd + gdSectors + gtSectors * gtCount;
        long firstGrain = roundUp(gd + gdSectors + gtSectors * gtCount, GRAIN_SECTORS);
        int flags = SparseHeader.FLAG_REDUNDANT_GD | SparseHeader.FLAG_NEWLINE_TEST
                | (zeroedGrain ? SparseHeader.FLAG_ZEROED_GRAIN : 0);
        SparseHeader h = new SparseHeader(zeroedGrain ? 2 : 1, flags, capacitySectors, GRAIN_SECTORS,
                DESCRIPTOR_SECTOR, DESCRIPTOR_SECTORS, GTES_PER_GT, rgd, gd, firstGrain, 0);
        s.write(0, h.encode());
        s.setSize(firstGrain * 512);
        s.write(rgd * 512, directory(gtCount, gdSectors, rgd + gdSectors, gtSectors));
        s.write(gd * 512, directory(gtCount, gdSectors, gd + gdSectors, gtSectors));
    }

    /** A grain directory of {@code count} tables laid out one after another from sector {@code firstTable}. */
    static ByteBuffer directory(long count, long sectors, long firstTable, long tableSectors) {
        ByteBuffer b = ByteBuffer.allocate((int) (sectors * 512)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            b.putInt(i * 4, (int) (firstTable + i * tableSectors));
        }
        return b;
    }

    static void writeDescriptor(Storage s, long offset, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > DESCRIPTOR_SECTORS * 512) {
            throw new IllegalArgumentException("the descriptor (" + bytes.length + " bytes) does not fit the "
                    + DESCRIPTOR_SECTORS * 512 + " bytes a sparse extent keeps for it");
        }
        s.write(offset, ByteBuffer.wrap(bytes));
    }

    private static long roundUp(long n, long to) {
        return (n + to - 1) / to * to;
    }
}
