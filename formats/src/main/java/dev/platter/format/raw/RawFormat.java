package dev.platter.format.raw;

import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageFormat;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.Preallocation;
import dev.platter.core.image.capability.SizeEstimate;
import dev.platter.core.storage.FileStorage;
import dev.platter.core.storage.HostFiles;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Raw images: the virtual disk's bytes are the file's bytes. Accepts any content, so it is probed last. */
public final class RawFormat implements ImageFormat {
    public static final String NAME = "raw";
    /** qemu writes the first block on creation so that later alignment probing finds real data. */
    private static final int FIRST_BLOCK = 4096;
    private static final Set<String> OPTIONS = Set.of("size", "preallocation");

    /** Raw files hold only guest data: qemu shares writes to them even with readers. */
    @Override
    public boolean storesMetadata() {
        return false;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int probe(ByteBuffer header, Storage storage) {
        return FALLBACK;
    }

    @Override
    public Image open(Storage storage, OpenOptions options) throws IOException {
        return new RawImage(storage);
    }

    @Override
    public SizeEstimate sizeEstimate(Map<String, String> createOptions) {
        return RawSizeEstimate.of(createOptions);
    }

    @Override
    public List<String> fileExtensions() {
        return List.of("raw", "iso");
    }

    @Override
    public String describeCreate(long size, CreateOptions options) {
        StringBuilder sb = new StringBuilder("fmt=raw size=").append(size);
        String prealloc = options.get("preallocation");
        if (prealloc != null) {
            sb.append(" preallocation=").append(prealloc);
        }
        return sb.toString();
    }

    @Override
    public void create(Path path, long size, CreateOptions options) throws IOException {
        options.requireKnown(OPTIONS);
        Preallocation prealloc = Preallocation.parse(options.get("preallocation", "off"),
                Preallocation.OFF, Preallocation.FALLOC, Preallocation.FULL);
        long fileSize = RawImage.roundToSector(size);
        if (FileStorage.isBlockDevice(path)) {
            createOnDevice(path, fileSize, prealloc);
            return;
        }
        try (Storage storage = HostFiles.create(path, true)) {
            switch (prealloc) {
                case OFF -> storage.setSize(fileSize);
                case FALLOC -> {
                    storage.setSize(fileSize);
                    storage.allocate(0, fileSize);
                }
                case FULL -> writeZeros(storage, 0, fileSize);
                default -> throw new IllegalStateException(prealloc.toString());
            }
            if (prealloc == Preallocation.OFF && fileSize > 0) {
                writeZeros(storage, 0, Math.min(FIRST_BLOCK, fileSize));
            }
        }
    }

    /**
     * A raw image "created" on a block device, as qemu-img creates one there: nothing is created or resized; the
     * size must fit the device ("Cannot grow device files"), only preallocation=off is possible, and the device's
     * first sector is zeroed (whatever the size, as qemu does) so that an old image header there is gone. Messages
     * are qemu-img's.
     */
    private static void createOnDevice(Path path, long size, Preallocation prealloc) throws IOException {
        if (prealloc != Preallocation.OFF) {
            throw new IllegalArgumentException("Unsupported preallocation mode '" + prealloc.optionValue() + "'");
        }
        Storage storage;
        try {
            storage = HostFiles.create(path, true);
        } catch (IOException e) {
            String why = e.getMessage() == null ? "I/O error" : e.getMessage();
            if (why.startsWith(path + ": ")) {
                why = why.substring(path.toString().length() + 2);
            }
            throw new IllegalArgumentException("Protocol driver 'host_device' does not support image creation, and "
                    + "opening the image failed: " + why, e);
        }
        try (storage) {
            long deviceSize = storage.size();
            if (size > deviceSize) {
                throw new IllegalArgumentException("Cannot grow device files");
            }
            // qemu clears the device's first sector whatever the size asked for (even 0).
            storage.punchHole(0, Math.min(512, deviceSize));
        }
    }

    private static void writeZeros(Storage storage, long pos, long len) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocateDirect((int) Math.min(len, 1 << 20));
        for (long done = 0; done < len; ) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), len - done));
            storage.write(pos + done, zeros);
            done += zeros.limit();
        }
    }
}
