package dev.platter.format.vhdx;

import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageFormat;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.SafetyFinding;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * VHDX (Hyper-V): dynamic and fixed disks read, created and written as qemu-img 7.2 does, with 512- and 4096-byte
 * logical sectors; a dirty log replayed on disk when opened read-write and in memory when opened read-only.
 * Differencing disks are read (their parent through the reference gate), where qemu 7.2 refuses them; Platter does
 * not create or write them.
 */
public final class VhdxFormat implements ImageFormat {
    public static final String NAME = "vhdx";

    @Override
    public String name() {
        return NAME;
    }

    /** qemu's vhdx_probe: the file identifier's "vhdxfile". */
    @Override
    public int probe(ByteBuffer header, Storage storage) {
        ByteBuffer b = header.slice();
        if (b.limit() < VhdxImage.SIGNATURE.length) {
            return 0;
        }
        for (int i = 0; i < VhdxImage.SIGNATURE.length; i++) {
            if (b.get(i) != VhdxImage.SIGNATURE[i]) {
                return 0;
            }
        }
        return CERTAIN;
    }

    @Override
    public Image open(Storage storage, OpenOptions options) throws IOException {
        return VhdxImage.open(storage, options, false);
    }

    /** As qemu's BDRV_O_CHECK: blocks past the end of the file are the check's to report, not the open's. */
    @Override
    public Image openForCheck(Storage storage, OpenOptions options) throws IOException {
        return VhdxImage.open(storage, options, true);
    }

    @Override
    public List<String> fileExtensions() {
        return List.of("vhdx", "avhdx");
    }

    @Override
    public List<SafetyFinding> safetyFindings(Storage storage) throws IOException {
        return VhdxSafety.findings(storage);
    }

    @Override
    public String describeCreate(long size, CreateOptions options) {
        VhdxCreateOptions.checkSyntax(options);
        return VhdxCreateOptions.describe(size, options);
    }

    @Override
    public void create(Path path, long size, CreateOptions options) throws IOException {
        if (options.has("backing_file")) {
            throw new IllegalArgumentException("Backing file not supported for file format 'vhdx'");
        }
        VhdxCreator.create(path, VhdxCreateOptions.parse(size, options));
    }
}
