package dev.platter.format.qcow2;

import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageFormat;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.SafetyFinding;
import dev.platter.core.image.capability.SizeEstimate;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The qcow2 format: probing by magic, opening, and creating images the way qemu-img create does. */
public final class Qcow2Format implements ImageFormat {
    public static final String NAME = "qcow2";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int probe(ByteBuffer header, Storage storage) {
        if (header.remaining() < 8) {
            return 0;
        }
        int at = header.position();
        return header.getInt(at) == Qcow2Header.MAGIC && header.getInt(at + 4) >= 2 ? CERTAIN : 0;
    }

    @Override
    public Image open(Storage storage, OpenOptions options) throws IOException {
        return Qcow2Image.open(storage, options);
    }

    /** A corrupt image opens for a repair (which clears the mark); a dirty one is not repaired on open. */
    @Override
    public Image openForCheck(Storage storage, OpenOptions options) throws IOException {
        return Qcow2Image.open(storage, options, true);
    }

    @Override
    public boolean supportsBackingFile() {
        return true;
    }

    @Override
    public boolean supportsCompression() {
        return true;
    }

    @Override
    public SizeEstimate sizeEstimate(Map<String, String> createOptions) throws IOException {
        return Qcow2SizeEstimate.parse(createOptions);
    }

    @Override
    public List<String> fileExtensions() {
        return List.of("qcow2");
    }

    @Override
    public List<SafetyFinding> safetyFindings(Storage storage) throws IOException {
        return Qcow2Safety.findings(storage);
    }

    @Override
    public String describeCreate(long size, CreateOptions options) {
        Qcow2CreateOptions.checkSyntax(options);
        return Qcow2CreateOptions.describe(size, options);
    }

    @Override
    public void create(Path path, long size, CreateOptions options) throws IOException {
        Qcow2Creator.create(path, size, Qcow2CreateOptions.parse(options));
    }
}
