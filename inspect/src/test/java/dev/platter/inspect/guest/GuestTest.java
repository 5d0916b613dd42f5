package dev.platter.inspect.guest;

import dev.platter.inspect.testing.FakeFs;
import dev.platter.inspect.testing.FakeGuest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Filesystem discovery, OS inspection, fstab mounting and path lookups, on a guest of fake filesystems. */
class GuestTest {
    @TempDir
    Path dir;

    @Test
    void filesystemsInLibguestfsOrder() throws IOException {
        FakeGuest fg = new FakeGuest(dir);
        try (Guest g = fg.open()) {
            List<DetectedFilesystem> fss = g.filesystems();
            assertEquals(List.of("/dev/sdb", "/dev/sda1", "/dev/sda2"),
                    fss.stream().map(DetectedFilesystem::name).toList());
            assertEquals("boot", fss.get(1).label());
            assertEquals("11111111-0000-0000-0000-00000000f001", fss.get(2).uuid());
            assertEquals("fakefs", fss.get(2).type());
            assertEquals(1000L * 4096, fss.get(0).size());
        }
    }

    @Test
    void inspectionFindsTheRootAndItsFstab() throws IOException {
        FakeGuest fg = new FakeGuest(dir);
        try (Guest g = fg.open()) {
            List<OsInfo> roots = g.inspect();
            assertEquals(1, roots.size());
            OsInfo os = roots.get(0);
            assertEquals("/dev/sda2", os.root().name());
            assertEquals("linux", os.type());
            assertEquals("debian", os.distro());
            assertEquals("12.8", os.productName());
            assertEquals(12, os.majorVersion());
            assertEquals(8, os.minorVersion());
            assertEquals("x86_64", os.arch());
            assertEquals("fakehost", os.hostname());
            assertEquals("deb", os.packageFormat());
            assertEquals("apt", os.packageManagement());
            assertEquals("debian12", os.osinfo());
            assertEquals(List.of(new OsInfo.Mountpoint("/dev/sda2", "/"), new OsInfo.Mountpoint("/dev/sda1", "/boot"),
                    new OsInfo.Mountpoint("/dev/sdb", "/data"), new OsInfo.Mountpoint("/dev/sda1", "/boot2"),
                    new OsInfo.Mountpoint("/dev/sdz1", "/missing")), os.fstab());
            assertEquals(List.of("/", "/boot", "/data", "/boot2", "/missing"),
                    os.mountpointsInMountOrder().stream().map(OsInfo.Mountpoint::path).toList());
        }
    }

    @Test
    void mountingFollowsFstabAndWarnsAboutWhatCannotBeMounted() throws IOException {
        FakeGuest fg = new FakeGuest(dir);
        try (Guest g = fg.open()) {
            Mounts m = g.mountOperatingSystem();
            assertEquals(List.of("/", "/boot", "/data", "/boot2"),
                    m.mounted().stream().map(Mounts.Mounted::path).toList());
            assertTrue(m.warnings().get(0).contains("/dev/sdz1"), m.warnings().toString());
            assertEquals("kernel\n", text(m, "/boot/vmlinuz"));
            assertEquals("kernel\n", text(m, "/boot2/vmlinuz"));
            assertEquals("data disk\n", text(m, "/data/README"));
            assertEquals("data disk\n", text(m, "/boot/../data/./README"));
            assertEquals("fakehost\n", text(m, "/../../etc/hostname"));
            assertEquals("/data", m.stat("/boot/../data").pathString());
        }
    }

    @Test
    void symlinksResolveInsideTheGuest() throws IOException {
        FakeGuest fg = new FakeGuest(dir);
        FakeFs r = fg.root;
        r.symlink(r.root(), "abs", "/etc/hostname");
        r.symlink(r.root(), "climb", "../../../../etc/hostname");
        r.symlink(r.root(), "dangling", "/nonexistent");
        r.symlink(r.root(), "empty", "");
        r.symlink(r.root(), "loop1", "loop2");
        r.symlink(r.root(), "loop2", "loop1");
        r.symlink(r.root(), "intoboot", "/boot");
        for (int i = 0; i < 41; i++) {
            r.symlink(r.root(), "l" + i, "l" + (i + 1));
        }
        r.symlink(r.root(), "l41", "/etc/hostname");
        try (Guest g = fg.open()) {
            Mounts m = g.mountOperatingSystem();
            assertEquals("fakehost\n", text(m, "/abs"));
            assertEquals("fakehost\n", text(m, "/climb"));
            assertEquals("/etc/hostname", m.stat("/abs").pathString());
            assertEquals("/abs", m.lstat("/abs").pathString());
            assertEquals("kernel\n", text(m, "/intoboot/vmlinuz"));
            assertEquals("kernel\n", text(m, "/bin/../../boot/vmlinuz"), "'..' applies to the link's target");
            assertEquals(Errno.ENOENT, errno(m, "/dangling"));
            assertEquals(Errno.ENOENT, errno(m, "/empty"));
            assertEquals(Errno.ELOOP, errno(m, "/loop1"));
            assertEquals(Errno.ELOOP, errno(m, "/l1"), "41 links");
            assertEquals("fakehost\n", text(m, "/l2"), "40 links");
            assertEquals(Errno.ENOTDIR, errno(m, "/etc/hostname/x"));
            assertEquals(Errno.ENOENT, errno(m, "/etc/nothing"));
        }
    }

    @Test
    void hostileNamesAreDroppedFromListings() throws IOException {
        FakeGuest fg = new FakeGuest(dir);
        FakeFs r = fg.root;
        FakeFs.Node d = r.dir(r.root(), "hostile");
        r.file(d, FakeFs.bytes("a/b"), new byte[1], 0100644);
        r.file(d, FakeFs.bytes(".."), new byte[1], 0100644);
        r.file(d, new byte[] {'x', 0, 'y'}, new byte[1], 0100644);
        r.file(d, new byte[0], new byte[1], 0100644);
        r.file(d, FakeFs.bytes("fine"), new byte[1], 0100644);
        try (Guest g = fg.open()) {
            Mounts m = g.mountOperatingSystem();
            List<Mounts.Child> children = m.list(m.stat("/hostile"));
            assertEquals(List.of("fine"), children.stream().map(Mounts.Child::nameString).toList());
            assertEquals(3, m.warnings().stream().filter(w -> w.contains("not a valid file name")).count(),
                    m.warnings().toString());
        }
    }

    @Test
    void manualMounts() throws IOException {
        FakeGuest fg = new FakeGuest(dir);
        try (Guest g = fg.open()) {
            Mounts m = g.mounts();
            assertThrows(IOException.class, () -> m.mount("/dev/sda1", "/boot"), "nothing on / yet");
            m.mount("/dev/vda2", "/");
            m.mount("/dev/sdb", "/boot");
            assertEquals("data disk\n", text(m, "/boot/README"));
            assertEquals(Errno.ENOENT, assertThrows(GuestFileException.class,
                    () -> m.mount("/dev/sda1", "/nonexistent")).errno());
            assertThrows(IOException.class, () -> m.mount("/dev/sdz9", "/"));
        }
    }

    private static String text(Mounts m, String path) throws IOException {
        GuestFile f = m.stat(path);
        try (var dev = m.open(f)) {
            return new String(dev.readBytes(0, (int) dev.size()), StandardCharsets.UTF_8);
        }
    }

    private static Errno errno(Mounts m, String path) {
        return assertThrows(GuestFileException.class, () -> m.stat(path)).errno();
    }
}
