package dev.platter.inspect.ops;

import dev.platter.core.BlockDevice;
import dev.platter.inspect.fs.FileStat;
import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.fs.WritableFileSystem.Attributes;
import dev.platter.inspect.guest.DiskSpec;
import dev.platter.inspect.guest.Errno;
import dev.platter.inspect.guest.Guest;
import dev.platter.inspect.guest.GuestFile;
import dev.platter.inspect.guest.GuestFileException;
import dev.platter.inspect.guest.GuestOptions;
import dev.platter.inspect.guest.Mounts;
import dev.platter.inspect.guest.OsInfo;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The write operations on a real ext4 made by mkfs.ext4 -d: through a writable {@link Guest}, then checked by
 * reading the image back read-only, by e2fsck -fn (which must find nothing to fix) and by debugfs.
 */
@RequiresTool({"mkfs.ext4", "e2fsck", "debugfs"})
class GuestWritesTest {
    @TempDir
    Path tmp;

    /** An ext4 image (unpartitioned: /dev/sda) holding the tree {@code dir}. */
    private Path ext4(Path dir, String... extra) {
        Path img = tmp.resolve("disk.raw");
        List<String> cmd = new java.util.ArrayList<>(List.of("mkfs.ext4", "-q", "-F"));
        cmd.addAll(List.of(extra));
        cmd.addAll(List.of("-d", dir.toString(), img.toString(), "64M"));
        Tool.run(cmd.toArray(String[]::new)).ok();
        return img;
    }

    private static Guest open(Path img, boolean writable) throws IOException {
        return Guest.open(List.of(new DiskSpec(img, "raw")), GuestOptions.defaults().withWritable(writable));
    }

    private static Mounts mountRoot(Guest g) throws IOException {
        Mounts m = g.mounts();
        m.mount("/dev/sda", "/");
        return m;
    }

    private static void fsckClean(Path img) {
        Tool.Result r = Tool.run("e2fsck", "-fn", img.toString());
        if (r.exitCode() != 0 && System.getProperty("keep") != null) {
            try {
                Files.copy(img, Path.of("/tmp/x/failed.raw"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        assertEquals(0, r.exitCode(), "e2fsck -fn: " + r.stdout() + r.stderr());
    }

    private static byte[] read(Mounts m, String path) throws IOException {
        GuestFile f = m.stat(path);
        try (BlockDevice d = m.open(f)) {
            byte[] b = new byte[(int) d.size()];
            d.read(0, ByteBuffer.wrap(b));
            return b;
        }
    }

    private Path tree(String name) throws IOException {
        return Files.createDirectories(tmp.resolve(name));
    }

    @Test
    void copyInKeepsModesOwnersTimesSymlinksHardLinksAndData() throws Exception {
        Path src = tree("src");
        Files.createDirectories(src.resolve("opt"));
        Path img = ext4(src);
        Path app = tree("app");
        Files.writeString(app.resolve("run.sh"), "#!/bin/sh\necho hi\n");
        Files.setAttribute(app.resolve("run.sh"), "unix:uid", 1234);
        Files.setAttribute(app.resolve("run.sh"), "unix:gid", 5678);
        Files.setAttribute(app.resolve("run.sh"), "unix:mode", 04750);  // after chown, which clears setuid
        Instant mtime = Instant.parse("2021-03-04T05:06:07.123456789Z");
        Files.setLastModifiedTime(app.resolve("run.sh"), FileTime.from(mtime));
        byte[] big = new byte[3_000_001];
        new Random(7).nextBytes(big);
        Files.write(app.resolve("big.bin"), big);
        Files.createFile(app.resolve("empty"));
        Files.createDirectories(app.resolve("lib/deep"));
        Files.writeString(app.resolve("lib/deep/x.conf"), "x=1\n");
        Files.createSymbolicLink(app.resolve("lib/link"), Path.of("../run.sh"));
        Files.createSymbolicLink(app.resolve("abs"), Path.of("/etc/passwd"));
        Files.createLink(app.resolve("hard"), app.resolve("big.bin"));
        Tool.run("mkfifo", app.resolve("fifo").toString()).ok();
        Files.setAttribute(app.resolve("lib"), "unix:mode", 0700);
        Files.setLastModifiedTime(app.resolve("lib"), FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));

        try (Guest g = open(img, true)) {
            CopyIn c = new CopyIn(mountRoot(g));
            c.copy(app, "/opt");
            assertEquals(List.of(), c.warnings());
        }
        fsckClean(img);
        try (Guest g = open(img, false)) {
            Mounts m = mountRoot(g);
            FileStat run = m.stat("/opt/app/run.sh").stat();
            assertEquals(04750, run.permissions());
            assertEquals(1234, run.uid());
            assertEquals(5678, run.gid());
            assertEquals(mtime, run.mtime());
            assertEquals("#!/bin/sh\necho hi\n", new String(read(m, "/opt/app/run.sh"), StandardCharsets.UTF_8));
            assertArrayEquals(big, read(m, "/opt/app/big.bin"));
            assertEquals(m.stat("/opt/app/big.bin").inode(), m.stat("/opt/app/hard").inode(), "hard link kept");
            assertEquals(2, m.stat("/opt/app/hard").stat().nlink());
            assertEquals(0, m.stat("/opt/app/empty").stat().size());
            assertEquals("../run.sh", new String(m.readlink(m.lstat("/opt/app/lib/link")), StandardCharsets.UTF_8));
            assertEquals("/etc/passwd", new String(m.readlink(m.lstat("/opt/app/abs")), StandardCharsets.UTF_8));
            assertEquals(FileType.FIFO, m.lstat("/opt/app/fifo").type());
            FileStat lib = m.stat("/opt/app/lib").stat();
            assertEquals(0700, lib.permissions());
            assertEquals(Instant.parse("2020-01-01T00:00:00Z"), lib.mtime(), "directory time set after its entries");
            assertEquals("x=1\n", new String(read(m, "/opt/app/lib/deep/x.conf"), StandardCharsets.UTF_8));
        }
        // debugfs, e2fsprogs' own reader, sees the same
        String stat = Tool.run("debugfs", "-R", "stat /opt/app/run.sh", img.toString()).ok().stdout();
        assertTrue(stat.contains("User:  1234") && stat.contains("Group:  5678") && stat.contains("Mode:  04750"),
                stat);
        String cat = Tool.run("debugfs", "-R", "cat /opt/app/lib/deep/x.conf", img.toString()).ok().stdout();
        assertEquals("x=1\n", cat);
    }

    @Test
    void copyInMergesIntoExistingTreesAndReplacesFiles() throws Exception {
        Path src = tree("src");
        Files.createDirectories(src.resolve("opt/app/keep"));
        Files.writeString(src.resolve("opt/app/old.txt"), "old\n");
        Files.writeString(src.resolve("opt/app/keep/k"), "k\n");
        Path img = ext4(src);
        Path app = tree("app");
        Files.writeString(app.resolve("old.txt"), "new contents\n");
        try (Guest g = open(img, true)) {
            new CopyIn(mountRoot(g)).copy(app, "/opt");
        }
        fsckClean(img);
        try (Guest g = open(img, false)) {
            Mounts m = mountRoot(g);
            assertEquals("new contents\n", new String(read(m, "/opt/app/old.txt"), StandardCharsets.UTF_8));
            assertEquals("k\n", new String(read(m, "/opt/app/keep/k"), StandardCharsets.UTF_8));
        }
    }

    @Test
    void copyInToAMissingOrNonDirectoryTargetFails() throws Exception {
        Path src = tree("src");
        Files.writeString(src.resolve("file"), "f");
        Path img = ext4(src);
        Path app = tree("app");
        try (Guest g = open(img, true)) {
            CopyIn c = new CopyIn(mountRoot(g));
            IOException e = assertThrows(IOException.class, () -> c.copy(app, "/opt"));
            assertEquals("/opt: No such file or directory", e.getMessage());
            e = assertThrows(IOException.class, () -> c.copy(app, "/file"));
            assertEquals("target '/file' is not a directory", e.getMessage());
        }
        fsckClean(img);
    }

    @Test
    void readOnlyGuestRefusesWritesNamingWhy() throws Exception {
        Path src = tree("src");
        Files.createDirectories(src.resolve("opt"));
        Path img = ext4(src);
        byte[] before = Files.readAllBytes(img);
        try (Guest g = open(img, false)) {
            Mounts m = mountRoot(g);
            IOException e = assertThrows(IOException.class, () -> new CopyIn(m).copy(tree("app"), "/opt"));
            assertTrue(e.getMessage().contains("read-only"), e.getMessage());
        }
        assertArrayEquals(before, Files.readAllBytes(img), "a read-only guest never writes");
    }

    @Test
    @RequiresTool("qemu-img")
    void twoWritersOfOneImageExcludeEachOther() throws Exception {
        Path src = tree("src");
        Path raw = ext4(src);
        Path img = tmp.resolve("disk.qcow2");
        Tool.run("qemu-img", "convert", "-O", "qcow2", raw.toString(), img.toString()).ok();
        try (Guest g = Guest.open(List.of(new DiskSpec(img, "qcow2")), GuestOptions.defaults().withWritable(true))) {
            IOException e = assertThrows(IOException.class, () -> Guest.open(List.of(new DiskSpec(img, "qcow2")),
                    GuestOptions.defaults().withWritable(true)));
            assertTrue(e.getMessage().contains("Failed to get \"write\" lock"), e.getMessage());
            e = assertThrows(IOException.class, () -> Guest.open(List.of(new DiskSpec(img, "qcow2")),
                    GuestOptions.defaults().withOpenOptions(
                            dev.platter.core.image.OpenOptions.readOnlyDefaults())));
            assertTrue(e.getMessage().contains("lock"), "a reader that does not share is kept out: "
                    + e.getMessage());
        }
    }

    @Test
    @RequiresTool("mkfs.xfs")
    void xfsStaysReadOnlyAndSaysSo() throws Exception {
        Path img = tmp.resolve("xfs.raw");
        Tool.run("truncate", "-s", "320M", img.toString()).ok();
        Tool.run("mkfs.xfs", "-q", img.toString()).ok();
        try (Guest g = open(img, true)) {
            Mounts m = mountRoot(g);
            assertTrue(m.stat("/").isDirectory(), "still readable");
            IOException e = assertThrows(IOException.class,
                    () -> new GuestWriter(m).mkdir(GuestWriter.bytes("/x"), Attributes.of(0755)));
            assertTrue(e.getMessage().startsWith("/dev/sda: cannot write this xfs filesystem: "), e.getMessage());
        }
    }

    @Test
    void pathsResolveInsideTheGuestNeverOutsideIt() throws Exception {
        Path src = tree("src");
        Files.createDirectories(src.resolve("srv/data"));
        Files.createDirectories(src.resolve("etc"));
        Files.createSymbolicLink(src.resolve("opt"), Path.of("/srv"));         // absolute: the guest's /srv
        Files.createSymbolicLink(src.resolve("srv/up"), Path.of("../../../../etc"));  // .. stops at the root
        Files.writeString(src.resolve("etc/hostname"), "old\n");
        Files.createSymbolicLink(src.resolve("etc/name-link"), Path.of("hostname"));
        Path img = ext4(src);
        try (Guest g = open(img, true)) {
            GuestWriter w = new GuestWriter(mountRoot(g));
            w.writeFile(GuestWriter.bytes("/opt/data/a.txt"), "A".getBytes(), Attributes.of(0644));
            w.writeFile(GuestWriter.bytes("/srv/up/b.txt"), "B".getBytes(), Attributes.of(0644));
            w.writeFile(GuestWriter.bytes("/../../etc/c.txt"), "C".getBytes(), Attributes.of(0644));
            // write follows a final symlink and keeps the target's inode
            w.writeFile(GuestWriter.bytes("/etc/name-link"), "new\n".getBytes(), Attributes.of(0600));
            // rm removes the link, never what it points to
            w.mkdirs(GuestWriter.bytes("/x/y/z"), Attributes.of(0755));
            w.symlink(GuestWriter.bytes("/srv"), GuestWriter.bytes("/x/y/z/srvlink"), Attributes.of(0777));
            w.remove(GuestWriter.bytes("/x"), true, false);
            GuestFileException e = assertThrows(GuestFileException.class,
                    () -> w.mkdir(GuestWriter.bytes("/srv"), Attributes.of(0755)));
            assertEquals(Errno.EEXIST, e.errno());
            e = assertThrows(GuestFileException.class,
                    () -> w.remove(GuestWriter.bytes("/srv"), false, false));
            assertEquals(Errno.EISDIR, e.errno());
            e = assertThrows(GuestFileException.class,
                    () -> w.remove(GuestWriter.bytes("/nothing"), false, false));
            assertEquals("/nothing: No such file or directory", e.getMessage());
            assertFalse(w.remove(GuestWriter.bytes("/nothing/at/all"), true, true));
        }
        fsckClean(img);
        try (Guest g = open(img, false)) {
            Mounts m = mountRoot(g);
            assertEquals("A", new String(read(m, "/srv/data/a.txt")));
            assertEquals("B", new String(read(m, "/etc/b.txt")));
            assertEquals("C", new String(read(m, "/etc/c.txt")));
            assertEquals("new\n", new String(read(m, "/etc/hostname")));
            assertEquals(FileType.SYMLINK, m.lstat("/etc/name-link").type());
            assertTrue(m.stat("/srv/data").isDirectory());
            assertThrows(GuestFileException.class, () -> m.lstat("/x"));
        }
    }

    @Test
    void tarInUnpacksWhatRealTarWritesWithEveryCompression() throws Exception {
        Path src = tree("src");
        Files.createDirectories(src.resolve("srv"));
        Path img = ext4(src);
        Path content = tree("content");
        Files.createDirectories(content.resolve("d/e"));
        Files.writeString(content.resolve("d/e/f.txt"), "hello\n");
        Files.setAttribute(content.resolve("d/e/f.txt"), "unix:uid", 42);
        Files.setAttribute(content.resolve("d/e/f.txt"), "unix:mode", 0640);
        Files.createSymbolicLink(content.resolve("d/s"), Path.of("e/f.txt"));
        Files.createLink(content.resolve("d/h"), content.resolve("d/e/f.txt"));
        Path plain = tmp.resolve("a.tar");
        Tool.run("tar", "-C", content.toString(), "--numeric-owner", "-cf", plain.toString(), ".").ok();
        List<String[]> compressors = List.of(new String[] {"none"}, new String[] {"gzip", "gzip", "-kc"},
                new String[] {"bzip2", "bzip2", "-kc"}, new String[] {"xz", "xz", "-kc"},
                new String[] {"zstd", "zstd", "-qc"});
        for (String[] c : compressors) {
            if (c.length > 1 && Tool.find(c[1]) == null) {
                System.err.println("SKIPPED tar-in " + c[0] + ": needs " + c[1]);
                continue;
            }
            Path archive = plain;
            if (c.length > 1) {
                archive = tmp.resolve("a.tar." + c[0]);
                Tool.run("sh", "-c", c[1] + " " + c[2] + " " + plain + " > " + archive).ok();
            }
            try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(archive))) {
                assertEquals(c[0], TarIn.Compression.detect(in).option());
            }
            String dir = "/srv/" + c[0];
            try (Guest g = open(img, true); InputStream in = Files.newInputStream(archive)) {
                Mounts m = mountRoot(g);
                new GuestWriter(m).mkdir(GuestWriter.bytes(dir), Attributes.of(0755));
                TarIn t = new TarIn(m);
                t.extract(in, dir, null);
                assertEquals(List.of(), t.warnings());
            }
            fsckClean(img);
            try (Guest g = open(img, false)) {
                Mounts m = mountRoot(g);
                assertEquals("hello\n", new String(read(m, dir + "/d/e/f.txt")), c[0]);
                FileStat st = m.stat(dir + "/d/e/f.txt").stat();
                assertEquals(42, st.uid());
                assertEquals(0640, st.permissions());
                assertEquals(2, st.nlink(), "hard link kept");
                assertEquals("e/f.txt", new String(m.readlink(m.lstat(dir + "/d/s"))));
            }
        }
    }

    @Test
    void tarInRefusesToEscapeThroughItsOwnSymlinksAndDropsDotDot() throws Exception {
        Path src = tree("src");
        Files.createDirectories(src.resolve("srv"));
        Files.createDirectories(src.resolve("etc"));
        Files.writeString(src.resolve("etc/passwd"), "root:x:0:0::/root:/bin/sh\n");
        Path img = ext4(src);
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        try (var out = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(tar)) {
            var dotdot = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("../../etc/evil");
            dotdot.setSize(1);
            out.putArchiveEntry(dotdot);
            out.write('x');
            out.closeArchiveEntry();
            var link = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("x",
                    org.apache.commons.compress.archivers.tar.TarConstants.LF_SYMLINK);
            link.setLinkName("/etc/../etc");
            out.putArchiveEntry(link);
            out.closeArchiveEntry();
            var through = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("x/passwd");
            through.setSize(4);
            out.putArchiveEntry(through);
            out.write("evil".getBytes());
            out.closeArchiveEntry();
        }
        try (Guest g = open(img, true)) {
            TarIn t = new TarIn(mountRoot(g));
            IOException e = assertThrows(IOException.class,
                    () -> t.extract(new java.io.ByteArrayInputStream(tar.toByteArray()), "/srv", null));
            assertTrue(e.getMessage().contains("symbolic link the archive made"), e.getMessage());
            assertEquals(1, t.warnings().size(), t.warnings().toString());
            assertTrue(t.warnings().get(0).contains("Member name contains '..'"), t.warnings().toString());
        }
        fsckClean(img);
        try (Guest g = open(img, false)) {
            Mounts m = mountRoot(g);
            assertEquals("root:x:0:0::/root:/bin/sh\n", new String(read(m, "/etc/passwd")));
            assertThrows(GuestFileException.class, () -> m.lstat("/etc/evil"));
            assertEquals(FileType.SYMLINK, m.lstat("/srv/x").type());
        }
    }

    /** A Debian-like root that inspection recognises. */
    private Path debianTree() throws IOException {
        Path src = tree("src");
        Files.createDirectories(src.resolve("bin"));
        Files.createDirectories(src.resolve("etc/ssh"));
        Files.createDirectories(src.resolve("etc/udev/rules.d"));
        Files.createDirectories(src.resolve("var/log/apt"));
        Files.createDirectories(src.resolve("var/log/journal/0123"));
        Files.createDirectories(src.resolve("root"));
        Files.createDirectories(src.resolve("home/alice"));
        Files.writeString(src.resolve("etc/os-release"), "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
                + "NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n");
        Files.writeString(src.resolve("etc/debian_version"), "12.4\n");
        Files.writeString(src.resolve("etc/fstab"), "# empty\n");
        Files.writeString(src.resolve("etc/hostname"), "oldname\n");
        Files.writeString(src.resolve("etc/hosts"), "127.0.0.1\tlocalhost\n127.0.1.1\toldname.example.org oldname\n"
                + "# oldname stays in comments\n");
        Files.writeString(src.resolve("etc/machine-id"), "0123456789abcdef0123456789abcdef\n");
        Files.writeString(src.resolve("etc/ssh/ssh_host_rsa_key"), "secret\n");
        Files.writeString(src.resolve("etc/ssh/ssh_host_rsa_key.pub"), "public\n");
        Files.writeString(src.resolve("etc/ssh/ssh_host_ed25519_key"), "secret\n");
        Files.writeString(src.resolve("etc/ssh/sshd_config"), "Port 22\n");
        Files.writeString(src.resolve("etc/udev/rules.d/70-persistent-net.rules"), "SUBSYSTEM==\"net\"\n");
        Files.writeString(src.resolve("etc/udev/rules.d/99-keep.rules"), "# keep\n");
        Files.writeString(src.resolve("var/log/syslog"), "log\n");
        Files.writeString(src.resolve("var/log/syslog.1"), "log\n");
        Files.writeString(src.resolve("var/log/dpkg.log"), "log\n");
        Files.writeString(src.resolve("var/log/apt/history.log"), "log\n");
        Files.writeString(src.resolve("var/log/journal/0123/system.journal"), "log\n");
        Files.writeString(src.resolve("root/.bash_history"), "ls\n");
        Files.writeString(src.resolve("home/alice/.bash_history"), "ls\n");
        Files.writeString(src.resolve("home/alice/.profile"), "keep\n");
        return src;
    }

    @Test
    void customizeEditsAndHostnameTheDebianWay() throws Exception {
        Path img = ext4(debianTree());
        Path up = tmp.resolve("motd");
        Files.writeString(up, "welcome\n");
        Files.setAttribute(up, "unix:mode", 0604);
        long hostsInode;
        try (Guest g = open(img, true)) {
            List<OsInfo> os = g.inspect();
            assertEquals(1, os.size());
            assertEquals("debian", os.get(0).distro());
            Mounts m = g.mount(os.get(0));
            hostsInode = m.stat("/etc/hosts").inode();
            GuestEdits e = new GuestEdits(m);
            assertTrue(e.hostname("newname", os.get(0)));
            e.write("/etc/greeting", "hi".getBytes());
            e.upload(up, "/etc");
            e.mkdirs("/opt/a/b/c");
            e.chmod(0700, "/opt/a");
            e.truncate("/var/log/dpkg.log");
            assertEquals(2, e.delete("/var/log/syslog*"));
            assertEquals(0, e.delete("/nothing/*"));
            assertEquals(List.of(), e.notes());
        }
        fsckClean(img);
        try (Guest g = open(img, false)) {
            Mounts m = g.mountOperatingSystem();
            assertEquals("newname\n", new String(read(m, "/etc/hostname")));
            assertEquals("127.0.0.1\tlocalhost\n127.0.1.1\toldname.example.org newname\n"
                    + "# oldname stays in comments\n", new String(read(m, "/etc/hosts")));
            assertEquals(hostsInode, m.stat("/etc/hosts").inode(), "edited in place");
            assertEquals("hi", new String(read(m, "/etc/greeting")));
            assertEquals(0644, m.stat("/etc/greeting").stat().permissions());
            assertEquals("welcome\n", new String(read(m, "/etc/motd")));
            assertEquals(0604, m.stat("/etc/motd").stat().permissions());
            assertTrue(m.stat("/opt/a/b/c").isDirectory());
            assertEquals(0700, m.stat("/opt/a").stat().permissions());
            assertEquals(0, m.stat("/var/log/dpkg.log").stat().size());
            assertThrows(GuestFileException.class, () -> m.lstat("/var/log/syslog"));
            assertThrows(GuestFileException.class, () -> m.lstat("/var/log/syslog.1"));
            assertEquals("newname", g.inspect().get(0).hostname());
        }
    }

    @Test
    void sysprepOperations() throws Exception {
        Path img = ext4(debianTree());
        try (Guest g = open(img, true)) {
            Sysprep s = new Sysprep(g.mountOperatingSystem());
            s.run(EnumSet.allOf(Sysprep.Operation.class));
            assertTrue(s.done().contains("emptied /etc/machine-id"), s.done().toString());
        }
        fsckClean(img);
        try (Guest g = open(img, false)) {
            Mounts m = g.mountOperatingSystem();
            assertEquals(0, m.stat("/etc/machine-id").stat().size(), "emptied, not removed");
            for (String gone : List.of("/etc/ssh/ssh_host_rsa_key", "/etc/ssh/ssh_host_rsa_key.pub",
                    "/etc/ssh/ssh_host_ed25519_key", "/etc/udev/rules.d/70-persistent-net.rules",
                    "/var/log/syslog", "/var/log/dpkg.log", "/var/log/apt/history.log", "/var/log/journal/0123",
                    "/root/.bash_history", "/home/alice/.bash_history")) {
                assertThrows(GuestFileException.class, () -> m.lstat(gone), gone);
            }
            for (String kept : List.of("/etc/ssh/sshd_config", "/etc/udev/rules.d/99-keep.rules",
                    "/home/alice/.profile", "/var/log/apt", "/var/log/journal")) {
                m.lstat(kept);
            }
        }
    }

    /**
     * Writes into LVM logical volumes spread over two disks (ext4 root, ext2 data-1): through the linear segments,
     * onto the PVs' partitions; each LV's bytes, read back, are a filesystem e2fsck -fn finds clean and holding the
     * files, and the XFS LV refuses by name.
     */
    @Test
    void writesIntoLogicalVolumesAcrossTwoDisks() throws Exception {
        Path a = dev.platter.testdata.Fixtures.expand("guest-lvm-a.raw", tmp);
        Path b = dev.platter.testdata.Fixtures.expand("guest-lvm-b.raw", tmp);
        List<DiskSpec> disks = List.of(new DiskSpec(a, "raw"), new DiskSpec(b, "raw"));
        byte[] big = new byte[3 << 20];
        new java.util.Random(5).nextBytes(big);
        try (Guest g = Guest.open(disks, GuestOptions.defaults().withWritable(true))) {
            for (String lv : List.of("/dev/vg-data/root", "/dev/vg-data/data-1")) {
                Mounts m = g.mounts();
                m.mount(lv, "/");
                GuestWriter w = new GuestWriter(m);
                w.mkdir(GuestWriter.bytes("/written"), Attributes.of(0755));
                w.putFile(GuestWriter.bytes("/written/big.bin"), new java.io.ByteArrayInputStream(big), big.length,
                        Attributes.of(0644));
                new GuestEdits(m).write("/written/note.txt", ("on " + lv + "\n").getBytes(StandardCharsets.UTF_8));
            }
            Mounts x = g.mounts();
            x.mount("/dev/vg-data/xfs", "/");
            IOException refused = assertThrows(IOException.class,
                    () -> new GuestWriter(x).mkdir(GuestWriter.bytes("/nope"), Attributes.of(0755)));
            assertTrue(refused.getMessage().contains("xfs"), refused.getMessage());
        }
        try (Guest g = Guest.open(disks, GuestOptions.defaults())) {
            for (String lv : List.of("/dev/vg-data/root", "/dev/vg-data/data-1")) {
                Mounts m = g.mounts();
                m.mount(lv, "/");
                assertEquals("on " + lv + "\n", new String(read(m, "/written/note.txt"), StandardCharsets.UTF_8));
                assertTrue(java.util.Arrays.equals(big, read(m, "/written/big.bin")), lv);
                BlockDevice dev = g.logicalVolumes().stream().filter(d -> d.name().equals(lv)).findFirst()
                        .orElseThrow().device();
                byte[] bytes = new byte[(int) dev.size()];
                dev.read(0, ByteBuffer.wrap(bytes));
                Path out = tmp.resolve(lv.substring(lv.lastIndexOf('/') + 1) + ".lv");
                Files.write(out, bytes);
                fsckClean(out);
            }
        }
    }

    /** A filesystem inside a LUKS1 volume is written through the opened volume, encrypted on the disk. */
    @Test
    @RequiresTool("cryptsetup")
    void writesIntoAnOpenedLuks1Volume() throws Exception {
        Path img = luksGuest("luks1");
        dev.platter.core.crypto.Secret secret = dev.platter.core.crypto.Secret.of("hunter2".getBytes());
        Path ext = tmp.resolve("payload.raw");
        GuestOptions rw = GuestOptions.defaults().withWritable(true)
                .withKeys(dev.platter.inspect.guest.GuestKeys.of(java.util.Map.of("/dev/sda", secret)));
        String name;
        try (Guest g = Guest.open(List.of(new DiskSpec(img, "raw")), rw)) {
            name = g.mappedDevices().get(0).name();
            Mounts m = g.mounts();
            m.mount(name, "/");
            new GuestEdits(m).write("/etc/secret.txt", "inside\n".getBytes());
        }
        try (Guest g = Guest.open(List.of(new DiskSpec(img, "raw")), rw.withWritable(false))) {
            Mounts m = g.mounts();
            m.mount(name, "/");
            assertEquals("inside\n", new String(read(m, "/etc/secret.txt")));
        }
        assertFalse(new String(Files.readAllBytes(img), StandardCharsets.ISO_8859_1).contains("inside\n"),
                "encrypted on the disk");
        try (dev.platter.core.image.Image image = dev.platter.core.image.Images.open(img,
                dev.platter.core.image.OpenOptions.readOnlyDefaults().withFormat("raw"));
             BlockDevice payload = dev.platter.core.crypto.luks.LuksDevice.open(image, secret, false)) {
            byte[] b = new byte[(int) payload.size()];
            payload.read(0, ByteBuffer.wrap(b));
            Files.write(ext, b);
        }
        fsckClean(ext);
    }

    /**
     * Core reads LUKS2 volumes only: a writable guest opens such a volume read-only (with a warning) and stays
     * writable elsewhere (its ext4 /boot here); a write below the volume names why it cannot be made.
     */
    @Test
    void luks2VolumesStayReadOnlyInAWritableGuest() throws Exception {
        Path img = dev.platter.testdata.Fixtures.expandLuks("guest-luks2.raw", tmp);
        dev.platter.core.crypto.Secret secret = dev.platter.core.crypto.Secret.of(
                "platter-luks-two".getBytes(StandardCharsets.UTF_8));
        GuestOptions rw = GuestOptions.defaults().withWritable(true)
                .withKeys(dev.platter.inspect.guest.GuestKeys.of(java.util.Map.of("/dev/sda2", secret)));
        try (Guest g = Guest.open(List.of(new DiskSpec(img, "raw")), rw)) {
            assertTrue(g.warnings().stream().anyMatch(w -> w.contains("opened read-only")), g.warnings().toString());
            Mounts m = g.mount(g.inspect().get(0));
            GuestEdits e = new GuestEdits(m);
            e.write("/boot/written.txt", "ok\n".getBytes());
            IOException ex = assertThrows(IOException.class, () -> e.write("/srv/secret/x", new byte[1]));
            assertTrue(ex.getMessage().contains("its device is read-only"), ex.getMessage());
        }
        try (Guest g = Guest.open(List.of(new DiskSpec(img, "raw")), rw.withWritable(false))) {
            assertEquals("ok\n", new String(g.mount(g.inspect().get(0)).readSmallFile("/boot/written.txt", 100)));
        }
    }

    /** A raw disk holding a LUKS volume (pbkdf2, passphrase hunter2) that holds an ext4 with /etc. */
    private Path luksGuest(String type) throws Exception {
        Path img = tmp.resolve(type + ".raw");
        Path key = tmp.resolve("key");
        Files.writeString(key, "hunter2");
        Tool.run("truncate", "-s", "48M", img.toString()).ok();
        List<String> fmt = new java.util.ArrayList<>(List.of("cryptsetup", "luksFormat", "-q", "--type", type,
                "--key-file", key.toString()));
        fmt.addAll(type.equals("luks1") ? List.of("--iter-time", "1")
                : List.of("--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000"));
        fmt.add(img.toString());
        Tool.run(fmt.toArray(String[]::new)).ok();
        dev.platter.core.crypto.Secret secret = dev.platter.core.crypto.Secret.of("hunter2".getBytes());
        Path tree = tree("luks-src");
        Files.createDirectories(tree.resolve("etc"));
        Path ext = tmp.resolve("payload.raw");
        try (dev.platter.core.image.Image image = dev.platter.core.image.Images.open(img,
                dev.platter.core.image.OpenOptions.readWriteDefaults().withFormat("raw"));
             BlockDevice payload = dev.platter.core.crypto.luks.LuksDevice.open(image, secret, false)) {
            Tool.run("truncate", "-s", String.valueOf(payload.size()), ext.toString()).ok();
        }
        Tool.run("mkfs.ext4", "-q", "-F", "-d", tree.toString(), ext.toString()).ok();
        // The payload written by cryptsetup through dm-crypt where there is device-mapper, else by Platter's writer
        Tool.Result open = Tool.run("cryptsetup", "open", "--key-file", key.toString(), img.toString(),
                "platter-test-" + type + "-" + ProcessHandle.current().pid());
        if (open.exitCode() == 0) {
            String map = "/dev/mapper/platter-test-" + type + "-" + ProcessHandle.current().pid();
            try {
                Tool.run("dd", "if=" + ext, "of=" + map, "bs=1M", "conv=fsync", "status=none").ok();
            } finally {
                Tool.run("cryptsetup", "close", map).ok();
            }
            return img;
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(type.equals("luks1"),
                "cryptsetup open failed (no device-mapper here?): " + open.stderr());
        try (dev.platter.core.image.Image image = dev.platter.core.image.Images.open(img,
                dev.platter.core.image.OpenOptions.readWriteDefaults().withFormat("raw"));
             BlockDevice payload = dev.platter.core.crypto.luks.LuksDevice.open(image, secret, true)) {
            payload.write(0, ByteBuffer.wrap(Files.readAllBytes(ext)));
            payload.flush();
        }
        return img;
    }

    /**
     * Fast symlinks of every short length (the target lives in the inode): e2fsck wants nothing but the target and
     * NULs there.
     */
    @Test
    void shortSymlinkTargets() throws Exception {
        Path src = tree("src");
        Path img = ext4(src);
        try (Guest g = open(img, true)) {
            GuestWriter w = new GuestWriter(mountRoot(g));
            for (int n = 1; n <= 12; n++) {
                w.symlink(GuestWriter.bytes("abcdefghijkl".substring(0, n)), GuestWriter.bytes("/l" + n),
                        Attributes.of(0777));
            }
        }
        fsckClean(img);
    }

    @Test
    void unknownSysprepOperationIsRefusedByName() {
        IOException e = assertThrows(IOException.class, () -> Sysprep.Operation.of("user-account"));
        assertEquals("operation 'user-account' is not supported (Platter has: machine-id, ssh-hostkeys,"
                + " logfiles, bash-history, udev-persistent-net)", e.getMessage());
    }

    @Test
    void manyFilesAndABigTreeStayConsistent() throws Exception {
        Path src = tree("src");
        Files.createDirectories(src.resolve("data"));
        Path img = ext4(src);
        Path many = tree("many");
        for (int d = 0; d < 5; d++) {
            Path dir = Files.createDirectories(many.resolve("d" + d));
            for (int i = 0; i < 300; i++) {
                Files.writeString(dir.resolve("file-" + i + ".txt"), "content " + d + "/" + i + "\n");
            }
        }
        try (Guest g = open(img, true)) {
            new CopyIn(mountRoot(g)).copy(many, "/data");
        }
        fsckClean(img);
        try (Guest g = open(img, true)) {
            GuestWriter w = new GuestWriter(mountRoot(g));
            w.remove(GuestWriter.bytes("/data/many/d2"), true, false);
        }
        fsckClean(img);
        try (Guest g = open(img, false)) {
            Mounts m = mountRoot(g);
            assertEquals(4, m.list(m.stat("/data/many")).size());
            assertEquals(300, m.list(m.stat("/data/many/d4")).size());
            assertEquals("content 4/299\n", new String(read(m, "/data/many/d4/file-299.txt")));
        }
    }
}
