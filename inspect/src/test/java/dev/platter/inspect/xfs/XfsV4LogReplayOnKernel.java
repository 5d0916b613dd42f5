package dev.platter.inspect.xfs;

import dev.platter.testdata.RequiresLoopDevices;
import dev.platter.testdata.RequiresTool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * v4 XFS log recovery against the kernel's, for a machine whose kernel still mounts v4 (CONFIG_XFS_SUPPORT_V4). The
 * 6.18 kernel of the CI machines does not, so these rows could only ever skip there: the class is not named as a
 * test and runs on request, {@code mvn -pl inspect -am test -Dtest=XfsV4LogReplayOnKernel
 * -Dsurefire.failIfNoSpecifiedTests=false}. In the suite, v4 replay is covered by XfsLogHostileTest's hand-made logs
 * on the committed v4 fixture.
 */
@RequiresTool({"mkfs.xfs", "xfs_io", "xfs_logprint", "xfs_repair", "losetup", "mount"})
@RequiresLoopDevices
class XfsV4LogReplayOnKernel extends XfsLogReplayTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "v4         | 2 | 0  | -m crc=0                        | ''",
        "v4-su      | 4 | 0  | -m crc=0 -l version=2,su=32k    | logbsize=256k",
        "v4-wrap    | 6 | 68 | -m crc=0 -l size=1368b          | ''",
    })
    void v4ReplaysAsTheKernelDoes(String name, int seed, int wrap, String mkfs, String mount) throws Exception {
        compare(name, seed, wrap, mkfs, mount);
    }
}
