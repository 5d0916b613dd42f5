package dev.platter.format.qcow2;

import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageFormat;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.SafetyFinding;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

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

    /**
     * Opens an image for {@code check}: read-write when repairing, and even with the corrupt bit set (a repair is
     * what clears it); a dirty image is not repaired on open, so that the check reports what it finds.
     */
    public static Qcow2Image openForCheck(Path path, String name, OpenOptions options, boolean repair)
            throws IOException {
        Storage storage = Images.openStorage(path, name, options.withReadOnly(!repair));
        try {
            OpenOptions o = options.withReadOnly(!repair).withOpenBacking(false);
            dev.platter.core.image.Images.lock(storage, name, o.lockFor(true), o);
            return Qcow2Image.open(storage, o, true);
        } catch (IOException | RuntimeException e) {
            storage.close();
            throw e;
        }
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
