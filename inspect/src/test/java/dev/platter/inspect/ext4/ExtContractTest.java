package dev.platter.inspect.ext4;

import dev.platter.core.BlockDevice;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.GuestFileSystem;
import dev.platter.inspect.testing.GuestFileSystemContract;
import org.junit.jupiter.api.Nested;

import java.io.IOException;
import java.util.Set;

/** The GuestFileSystem contract on ext2, ext3 and ext4 (testdata/scripts/make-contract-fixtures.sh). */
class ExtContractTest {

    /** One member of the family: the fixture's name is its type's. */
    abstract static class Member extends GuestFileSystemContract {
        private final String type;

        Member(String type) {
            this.type = type;
        }

        @Override
        protected String fixture() {
            return "contract-" + type + ".img";
        }

        @Override
        protected String expectedType() {
            return type;
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

    @Nested
    class Ext2 extends Member {
        Ext2() {
            super("ext2");
        }
    }

    @Nested
    class Ext3 extends Member {
        Ext3() {
            super("ext3");
        }
    }

    @Nested
    class Ext4 extends Member {
        Ext4() {
            super("ext4");
        }
    }
}
