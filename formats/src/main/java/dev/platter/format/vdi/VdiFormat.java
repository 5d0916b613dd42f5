package dev.platter.format.vdi;

import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageFormat;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;

/**
 * VirtualBox's VDI, as qemu-img 7.2 has it: dynamic and static images of 1 MiB blocks without a parent, read,
 * written and created (byte for byte as qemu-img creates them, but for the random UUIDs).
 */
public final class VdiFormat implements ImageFormat {
    public static final String NAME = "vdi";

    @Override
    public String name() {
        return NAME;
    }

    /** qemu's vdi_probe: the signature at offset 64 of a whole 512-byte header. */
    @Override
    public int probe(ByteBuffer header, Storage storage) {
        ByteBuffer b = header.slice().order(ByteOrder.LITTLE_ENDIAN);
        return b.limit() >= VdiHeader.SIZE && b.getInt(VdiHeader.OFF_SIGNATURE) == VdiHeader.SIGNATURE ? CERTAIN : 0;
    }

    @Override
    public Image open(Storage storage, OpenOptions options) throws IOException {
        return VdiImage.open(storage, options);
    }

    /** check never repairs a vdi (qemu cannot): it opens for reading even when asked to repair, and says so. */
    @Override
    public Image openForCheck(Storage storage, OpenOptions options) throws IOException {
        return VdiImage.open(storage, options.withReadOnly(true));
    }

    @Override
    public List<String> fileExtensions() {
        return List.of("vdi");
    }

    @Override
    public String describeCreate(long size, CreateOptions options) {
        VdiCreateOptions.checkSyntax(options);
        return VdiCreateOptions.describe(size, options);
    }

    @Override
    public void create(Path path, long size, CreateOptions options) throws IOException {
        VdiCreator.create(path, size, VdiCreateOptions.parse(options, size));
    }
}
