package dev.platter.inspect.ext4;

import dev.platter.core.BlockDevice;
import dev.platter.inspect.fs.FileSystemDriver;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.GuestFileSystem;
import dev.platter.inspect.fs.WritableFileSystem;

import java.io.IOException;

/** The ext2/ext3/ext4 driver, found through ServiceLoader. */
public final class Ext4Driver implements FileSystemDriver {

    @Override
    public String name() {
        return "ext";
    }

    /** The ext magic at byte 1024 + 0x38, and not an external journal device (journal_dev), which holds no files. */
    @Override
    public boolean probe(BlockDevice device) throws IOException {
        if (device.size() < Superblock.OFFSET + Superblock.SIZE) {
            return false;
        }
        byte[] b = device.readBytes(Superblock.OFFSET, 0x64);
        return Le.u16(b, 0x38) == Superblock.MAGIC && (Le.i32(b, 0x60) & Features.INCOMPAT_JOURNAL_DEV) == 0;
    }

    /** Opens for writing; {@link FsOptions#replayInPlace()} first replays a journal that needs recovery. */
    @Override
    public WritableFileSystem openWritable(BlockDevice device, FsOptions options) throws IOException {
        return Ext4Writer.open(device, options, options.replayInPlace());
    }

    @Override
    public GuestFileSystem open(BlockDevice device, FsOptions options) throws IOException {
        return Ext4FileSystem.open(device, options);
    }
}
