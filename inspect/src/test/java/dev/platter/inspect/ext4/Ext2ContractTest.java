package dev.platter.inspect.ext4;

import dev.platter.core.BlockDevice;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.GuestFileSystem;
import dev.platter.inspect.testing.GuestFileSystemContract;

import java.io.IOException;
import java.util.Set;

/** The GuestFileSystem contract on ext2 (testdata/scripts/make-contract-fixtures.sh). */
class Ext2ContractTest extends GuestFileSystemContract {
    @Override
    protected String fixture() {
        return "contract-ext2.img";
    }

    @Override
    protected String expectedType() {
        return "ext2";
    }

    @Override
    protected Set<String> formatRootNames() {
        return Set.of("lost+found");
    }

    @Override
    protected GuestFileSystem open(BlockDevice device) throws IOException {
        return Ext4FileSystem.open(device, FsOptions.defaults());
    }
}
