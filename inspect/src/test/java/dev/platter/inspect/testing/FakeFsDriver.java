package dev.platter.inspect.testing;

import dev.platter.core.BlockDevice;
import dev.platter.inspect.fs.FileSystemDriver;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.GuestFileSystem;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Serves {@link FakeFs} instances to the guest inspector through the real driver SPI (tests only). */
public final class FakeFsDriver implements FileSystemDriver {

    @Override
    public String name() {
        return "fakefs";
    }

    private static String key(BlockDevice device) throws IOException {
        if (device.size() < 64) {
            return null;
        }
        String head = new String(device.readBytes(0, 64), StandardCharsets.US_ASCII);
        if (!head.startsWith(FakeFs.MAGIC)) {
            return null;
        }
        int nl = head.indexOf('\n');
        return nl < 0 ? null : head.substring(FakeFs.MAGIC.length(), nl);
    }

    @Override
    public boolean probe(BlockDevice device) throws IOException {
        return key(device) != null;
    }

    @Override
    public GuestFileSystem open(BlockDevice device, FsOptions options) throws IOException {
        FakeFs fs = FakeFs.REGISTRY.get(key(device));
        if (fs == null) {
            throw new IOException("no fake filesystem registered for this device");
        }
        return fs;
    }
}
