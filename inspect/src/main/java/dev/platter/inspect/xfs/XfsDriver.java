package dev.platter.inspect.xfs;

import dev.platter.core.BlockDevice;
import dev.platter.inspect.fs.FileSystemDriver;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.GuestFileSystem;

import java.io.IOException;
import java.nio.ByteBuffer;

/** The XFS driver for the filesystem SPI: probes the "XFSB" magic of a v4 or v5 superblock. */
public final class XfsDriver implements FileSystemDriver {

    @Override
    public String name() {
        return "xfs";
    }

    @Override
    public boolean probe(BlockDevice device) throws IOException {
        if (device.size() < 512) {
            return false;
        }
        byte[] b = new byte[0x68];
        device.read(0, ByteBuffer.wrap(b));
        int version = Be.u16(b, 0x64) & Superblock.VERSION_NUMBITS;
        return Superblock.hasMagic(b) && (version == 4 || version == 5);
    }

    @Override
    public GuestFileSystem open(BlockDevice device, FsOptions options) throws IOException {
        return XfsFileSystem.open(device, options);
    }
}
