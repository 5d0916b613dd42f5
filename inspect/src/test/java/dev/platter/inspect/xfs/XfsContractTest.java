package dev.platter.inspect.xfs;

import dev.platter.core.BlockDevice;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.GuestFileSystem;
import dev.platter.inspect.testing.GuestFileSystemContract;

import java.io.IOException;

/** The GuestFileSystem contract on XFS v5 (testdata/scripts/make-contract-fixtures.sh). */
class XfsContractTest extends GuestFileSystemContract {
    @Override
    protected String fixture() {
        return "contract-xfs.img";
    }

    @Override
    protected String expectedType() {
        return "xfs";
    }

    @Override
    protected GuestFileSystem open(BlockDevice device) throws IOException {
        return XfsFileSystem.open(device, FsOptions.defaults());
    }
}
