package dev.platter.format.vpc;

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
 * VHD, as qemu calls it "vpc": fixed, dynamic and differencing disks read (a differencing disk's parent through the
 * reference gate), fixed and dynamic ones created and written. Probed as qemu 7.2 probes it: the footer copy at
 * offset 0, which a fixed VHD does not have, so that a fixed VHD probes as raw (and {@code info} notes its footer).
 */
public final class VpcFormat implements ImageFormat {
    public static final String NAME = "vpc";

    @Override
    public String name() {
        return NAME;
    }

    /** qemu's vpc_probe: "conectix" at offset 0. */
    @Override
    public int probe(ByteBuffer header, Storage storage) {
        return VhdFooter.hasCookie(header.slice(), 0) ? CERTAIN : 0;
    }

    /** A fixed VHD: the footer's cookie in the last sector, and no copy of it at the start. */
    @Override
    public String unprobedSignature(Storage storage) throws IOException {
        long size = storage.size();
        if (size < 1024) {
            return null;
        }
        ByteBuffer cookie = ByteBuffer.allocate(8);
        storage.readAt(size - VhdFooter.SIZE, cookie);
        return cookie.position() == 8 && VhdFooter.hasCookie(cookie.flip(), 0) ? "a fixed VHD footer at the end"
                : null;
    }

    @Override
    public Image open(Storage storage, OpenOptions options) throws IOException {
        return VpcImage.open(storage, options);
    }

    /** qemu-img cannot create differencing VHDs (its vpc driver has no backing_file option), nor does Platter. */
    @Override
    public boolean supportsBackingFile() {
        return false;
    }

    @Override
    public List<String> fileExtensions() {
        return List.of("vhd");
    }

    @Override
    public List<SafetyFinding> safetyFindings(Storage storage) throws IOException {
        return VpcSafety.findings(storage);
    }

    @Override
    public String describeCreate(long size, CreateOptions options) {
        VpcCreateOptions.checkSyntax(options);
        return VpcCreateOptions.describe(size, options);
    }

    @Override
    public List<String> createWarnings(long size, CreateOptions options) {
        return VpcCreateOptions.warnings(size, options);
    }

    @Override
    public void create(Path path, long size, CreateOptions options) throws IOException {
        VpcCreator.create(path, size, VpcCreateOptions.parse(options));
    }
}
