package dev.platter.inspect.testing;

import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.capability.InternalSnapshots;
import dev.platter.testdata.Tool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Puts a filesystem image where guests keep theirs, for tests that read the same filesystem through every layer: an
 * LVM logical volume on a raw disk, a qcow2 of that disk with an internal snapshot, and the snapshot's view copied
 * out (as {@code convert -l} copies it).
 */
public final class GuestDisks {
    /** The VG and LV {@link #onLvm} makes: /dev/guestvg/root. */
    public static final String LV = "/dev/guestvg/root";

    private GuestDisks() {
    }

    /** A raw disk at {@code out}: one PV, VG guestvg, LV root holding {@code fsImage} (whole MiBs of it). */
    public static Path onLvm(Path fsImage, Path out) throws IOException {
        long mib = 1 << 20;
        long extents = Files.size(fsImage) / mib;
        long size = LvmWriter.PE_START + (extents + 1) * mib;
        MemoryDisk label = new MemoryDisk(LvmWriter.PE_START);
        LvmWriter.pv(label, 0, "PVPVPVPVPVPVPVPVPVPVPVPVPVPV0000", size, LvmWriter.vg("guestvg", 1,
                new String[] {"PVPVPV-PVPV-PVPV-PVPV-PVPV-PVPV-PV0000"}, extents, LvmWriter.lv("root", extents,
                        "type = \"striped\"\nstripe_count = 1\nstripes = [\"pv0\", 0]")));
        // Streamed: the label and metadata area, then the filesystem, then a spare MiB; no image is held in memory.
        try (FileChannel to = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE); FileChannel from = FileChannel.open(fsImage)) {
            to.write(ByteBuffer.wrap(label.get(0, (int) LvmWriter.PE_START)));
            long done = 0;
            while (done < extents * mib) {
                done += from.transferTo(done, extents * mib - done, to);
            }
            to.truncate(size);
            to.write(ByteBuffer.wrap(new byte[1]), size - 1);
        }
        return out;
    }

    /**
     * {@code raw} converted to a qcow2 at {@code out} by qemu-img, an internal snapshot {@code snapshot} taken, then
     * the filesystem on the LV overwritten in the active layer (its first 64 KiB, by qemu-io): only the snapshot
     * still holds it.
     */
    public static Path qcow2WithSnapshot(Path raw, Path out, String snapshot) {
        Tool.run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw.toString(), out.toString()).ok();
        Tool.run("qemu-img", "snapshot", "-c", snapshot, out.toString()).ok();
        Tool.run("qemu-io", "-f", "qcow2", "-c", "write -P 0x5a " + LvmWriter.PE_START + " 64k", out.toString()).ok();
        return out;
    }

    /** The view of internal snapshot {@code snapshot} of {@code qcow2}, written as a raw disk at {@code out}. */
    public static Path snapshotView(Path qcow2, String snapshot, Path out) throws IOException {
        try (Image image = Images.open(qcow2, OpenOptions.readOnlyDefaults().withFormat("qcow2"));
             Image snap = image.capability(InternalSnapshots.class).orElseThrow().openSnapshot(snapshot)) {
            try (FileChannel to = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                int chunk = 1 << 20;
                for (long pos = 0; pos < snap.size(); pos += chunk) {
                    to.write(ByteBuffer.wrap(snap.readBytes(pos, (int) Math.min(chunk, snap.size() - pos))));
                }
            }
        }
        return out;
    }
}
