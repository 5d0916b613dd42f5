package dev.platter.cli.guest;

import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The commands that write into guests, end to end on a qcow2 guest made the way an administrator makes one (an ext4
 * root by mkfs.ext4 -d, converted to qcow2 by qemu-img), read back by Platter's own ls and cat, by qemu-img check,
 * by e2fsck -fn and debugfs on the image converted back to raw, and once by libguestfs itself.
 */
@RequiresTool({"mkfs.ext4", "e2fsck", "debugfs", "qemu-img"})
class GuestWriteCommandsTest {
    @TempDir
    Path tmp;
    String vm;

    /** A small Debian-like guest (inspection finds its root): vm.qcow2, with an empty /opt. */
    @BeforeEach
    void guest() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("rootfs"));
        for (String d : List.of("bin", "opt", "srv", "root", "home/alice", "etc/ssh", "var/log/apt",
                "etc/udev/rules.d")) {
            Files.createDirectories(root.resolve(d));
        }
        Files.writeString(root.resolve("etc/os-release"), "NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n");
        Files.writeString(root.resolve("etc/debian_version"), "12.4\n");
        Files.writeString(root.resolve("etc/fstab"), "# nothing else\n");
        Files.writeString(root.resolve("etc/hostname"), "template\n");
        Files.writeString(root.resolve("etc/hosts"), "127.0.0.1 localhost\n127.0.1.1 template\n");
        Files.writeString(root.resolve("etc/machine-id"), "5f8a1b2c3d4e5f60718293a4b5c6d7e8\n");
        Files.writeString(root.resolve("etc/ssh/ssh_host_ed25519_key"), "secret\n");
        Files.writeString(root.resolve("etc/ssh/sshd_config"), "PermitRootLogin yes\nPort 22\n");
        Files.writeString(root.resolve("etc/udev/rules.d/70-persistent-net.rules"), "# pinned\n");
        Files.writeString(root.resolve("var/log/syslog"), "boot\n");
        Files.writeString(root.resolve("var/log/apt/term.log"), "apt\n");
        Files.writeString(root.resolve("root/.bash_history"), "history\n");
        Files.writeString(root.resolve("home/alice/.bash_history"), "history\n");
        Path raw = tmp.resolve("template.raw");
        Tool.run("mkfs.ext4", "-q", "-F", "-d", root.toString(), raw.toString(), "64M").ok();
        vm = tmp.resolve("vm.qcow2").toString();
        Tool.run("qemu-img", "convert", "-O", "qcow2", raw.toString(), vm).ok();
    }

    private static GuestCli.Result ok(String... args) {
        GuestCli.Result r = GuestCli.run(args);
        assertEquals(0, r.exit(), String.join(" ", args) + ": " + r.err());
        return r;
    }

    /** qemu-img check is clean and e2fsck -fn finds nothing to fix; returns the image as raw, for debugfs. */
    private Path checkedRaw(String image) {
        String check = Tool.run("qemu-img", "check", image).ok().stdout();
        assertTrue(check.contains("No errors were found on the image."), check);
        Path back = tmp.resolve("back.raw");
        Tool.run("qemu-img", "convert", "-O", "raw", image, back.toString()).ok();
        Tool.Result fsck = Tool.run("e2fsck", "-fn", back.toString());
        assertEquals(0, fsck.exitCode(), fsck.stdout() + fsck.stderr());
        return back;
    }

    private Path app() throws IOException {
        Path app = Files.createDirectories(tmp.resolve("app"));
        Files.createDirectories(app.resolve("conf"));
        Files.writeString(app.resolve("server.sh"), "#!/bin/sh\nexec ./server\n");
        Files.setAttribute(app.resolve("server.sh"), "unix:uid", 1000);
        Files.setAttribute(app.resolve("server.sh"), "unix:gid", 1000);
        Files.setAttribute(app.resolve("server.sh"), "unix:mode", 0755);
        Files.writeString(app.resolve("conf/app.ini"), "[app]\nport = 8080\n");
        Files.createSymbolicLink(app.resolve("current.ini"), Path.of("conf/app.ini"));
        byte[] blob = new byte[2 << 20];
        new java.util.Random(3).nextBytes(blob);
        Files.write(app.resolve("blob.bin"), blob);
        return app;
    }

    /**
     * A filesystem whose journal needs recovery (a wrapped log with revokes, checksums v3): writing is refused naming
     * needs_recovery; with --replay the journal is replayed onto the disk first, the write lands, e2fsck -fn is clean,
     * and the tree is the one the in-memory replay showed before, plus the write. A guest the kernel left crashed with
     * files deleted while open and truncations under way (orphan file, inline data) is replayed and its orphans
     * processed as e2fsck processes them: e2fsck -fn clean, df as the reader predicted from the replayed state.
     */
    @Test
    void aJournalNeedingRecoveryIsReplayedOnlyWhenAsked() throws Exception {
        Path dirty = dev.platter.testdata.Fixtures.expand("ext4-kernel-dirty.img", tmp);
        String dfBefore = ok("df", "-a", dirty.toString(), "-m", "/dev/sda").out();
        String treeBefore = ok("ls", "-a", dirty.toString(), "-m", "/dev/sda", "-lR", "--uids", "--checksum=sha256",
                "/").out();
        ok("mkdir", "-a", dirty.toString(), "-m", "/dev/sda", "--replay", "/x");
        ok("rm", "-a", dirty.toString(), "-m", "/dev/sda", "-r", "/x");
        Tool.Result clean = Tool.run("e2fsck", "-fn", dirty.toString());
        assertEquals(0, clean.exitCode(), clean.stdout() + clean.stderr());
        assertEquals(dfBefore, ok("df", "-a", dirty.toString(), "-m", "/dev/sda", "--no-replay").out());
        assertEquals(withoutRoot(treeBefore), withoutRoot(ok("ls", "-a", dirty.toString(), "-m", "/dev/sda",
                "--no-replay", "-lR", "--uids", "--checksum=sha256", "/").out()));
        Path img = dev.platter.testdata.Fixtures.expand("ext4-journal-wrap.img", tmp);
        String before = ok("ls", "-a", img.toString(), "-m", "/dev/sda", "-lR", "--uids", "--checksum=sha256",
                "/").out();
        GuestCli.Result refused = GuestCli.run("mkdir", "-a", img.toString(), "-m", "/dev/sda", "/written");
        assertEquals(1, refused.exit());
        assertTrue(refused.err().contains("needs recovery") && refused.err().contains("--replay"), refused.err());
        ok("mkdir", "-a", img.toString(), "-m", "/dev/sda", "--replay", "/written");
        Tool.Result fsck = Tool.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.exitCode(), fsck.stdout() + fsck.stderr());
        String after = ok("ls", "-a", img.toString(), "-m", "/dev/sda", "--no-replay", "-lR", "--uids",
                "--checksum=sha256", "/").out();
        StringBuilder expected = new StringBuilder();
        for (String line : before.split("\n")) {
            if (!line.endsWith(" /")) {
                expected.append(line.replaceAll(" +", " ")).append('\n');
            }
        }
        StringBuilder seen = new StringBuilder();
        for (String line : after.split("\n")) {
            if (!line.endsWith(" /") && !line.endsWith(" /written")) {
                seen.append(line.replaceAll(" +", " ")).append('\n');
            }
        }
        assertEquals(expected.toString(), seen.toString());
        GuestCli.Result readOnly = GuestCli.run("ls", "-a", img.toString(), "-m", "/dev/sda", "--replay", "/");
        assertEquals(1, readOnly.exit());
    }

    /** The KVM administrator's workflow: copy an application into a VM's qcow2 disk, look at it, check it. */
    @Test
    void copyInToAQcow2GuestThenLsCatCheckAndFsck() throws Exception {
        Path app = app();
        GuestCli.Result r = ok("copy-in", "-a", vm, app.toString(), "/opt");
        assertEquals("", r.out());
        assertEquals("blob.bin\nconf\ncurrent.ini\nserver.sh\n", ok("ls", "-a", vm, "/opt/app").out());
        assertEquals("#!/bin/sh\nexec ./server\n", ok("cat", "-a", vm, "/opt/app/server.sh").out());
        assertEquals("[app]\nport = 8080\n", ok("cat", "-a", vm, "/opt/app/current.ini").out());
        String long_ = ok("ls", "-a", vm, "-lR", "--uids", "/opt/app").out();
        assertTrue(long_.contains("-rwxr-xr-x 1000 1000 ") || long_.matches("(?s).*- 0755 +\\d+ +1000 +1000 .*"),
                long_);
        assertTrue(long_.contains("/opt/app/current.ini -> conf/app.ini"), long_);
        Path raw = checkedRaw(vm);
        String stat = Tool.run("debugfs", "-R", "stat /opt/app/server.sh", raw.toString()).ok().stdout();
        assertTrue(stat.contains("User:  1000") && stat.contains("Mode:  0755"), stat);
        byte[] blob = Files.readAllBytes(app.resolve("blob.bin"));
        Path out = Files.createDirectories(tmp.resolve("out"));
        ok("copy-out", "-a", vm, "/opt/app/blob.bin", out.toString());
        assertEquals(sha(blob), sha(Files.readAllBytes(out.resolve("blob.bin"))));
    }

    @Test
    void errorsAreOneLibguestfsLikeLine() throws Exception {
        Path app = app();
        GuestCli.Result r = GuestCli.run("copy-in", "-a", vm, app.toString(), "/nowhere");
        assertEquals(1, r.exit());
        assertEquals("platter: copy-in: /nowhere: No such file or directory\n", r.err());
        r = GuestCli.run("copy-in", "-a", vm, app.toString(), "/etc/hostname");
        assertEquals("platter: copy-in: target '/etc/hostname' is not a directory\n", r.err());
        r = GuestCli.run("rm", "-a", vm, "/opt");
        assertEquals("platter: rm: /opt: Is a directory\n", r.err());
        r = GuestCli.run("mkdir", "-a", vm, "/opt");
        assertEquals("platter: mkdir: /opt: File exists\n", r.err());
        r = GuestCli.run("chmod", "-a", vm, "rwx", "/opt");
        assertEquals("platter: chmod: invalid mode 'rwx' (give it in octal: 0755, 4755 ...)\n", r.err());
        r = GuestCli.run("sysprep", "-a", vm, "--operations", "machine-id,user-account");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("platter: sysprep: operation 'user-account' is not supported (Platter has: "),
                r.err());
        r = GuestCli.run("edit", "-a", vm, "-e", "s/a/b/e", "/etc/hostname");
        assertEquals("platter: edit: -e: the substitution flag 'e' is not supported (g, i, m and s are):"
                + " s/a/b/e\n", r.err());
        r = GuestCli.run("customize", "-a", vm, "--chmod", "755:/opt");
        assertTrue(r.err().contains("give the permissions in octal with a leading 0 (0755)"), r.err());
        checkedRaw(vm);
    }

    /** A running qemu holds the image for writing: the writers are refused with qemu's lock error. */
    @Test
    @RequiresTool("qemu-io")
    void aRunningQemuKeepsWritersOut() throws Exception {
        Path app = app();
        try (dev.platter.cli.QemuIo held = dev.platter.cli.QemuIo.hold(vm, "qcow2", false)) {
            GuestCli.Result r = GuestCli.run("copy-in", "-a", vm, app.toString(), "/opt");
            assertEquals(1, r.exit(), r.err());
            assertTrue(r.err().startsWith("platter: Could not open '" + vm + "': Failed to get \"write\" lock"),
                    r.err());
            // reading still works, sharing the lock as libguestfs's read-only access does
            ok("ls", "-a", vm, "/opt");
        }
        assertEquals("", ok("ls", "-a", vm, "/opt").out(), "nothing was written");
    }

    /** Writes through an overlay land in the overlay; its backing file is never written. */
    @Test
    void writesLandInTheTopLayer() throws Exception {
        String overlay = tmp.resolve("overlay.qcow2").toString();
        Tool.run("qemu-img", "create", "-q", "-f", "qcow2", "-b", vm, "-F", "qcow2", overlay).ok();
        String before = sha(Files.readAllBytes(Path.of(vm)));
        ok("mkdir", "-a", overlay, "-p", "/srv/www/html");
        System.setIn(new ByteArrayInputStream("<h1>hi</h1>\n".getBytes(StandardCharsets.UTF_8)));
        try {
            ok("write", "-a", overlay, "/srv/www/html/index.html");
        } finally {
            System.setIn(new java.io.FileInputStream(java.io.FileDescriptor.in));
        }
        assertEquals(before, sha(Files.readAllBytes(Path.of(vm))), "the backing file is untouched");
        assertEquals("<h1>hi</h1>\n", ok("cat", "-a", overlay, "/srv/www/html/index.html").out());
        assertEquals("", ok("ls", "-a", vm, "/srv").out());
        checkedRaw(overlay);
    }

    @Test
    void smallCommands() throws Exception {
        ok("mkdir", "-a", vm, "-p", "/srv/a/b");
        ok("touch", "-a", vm, "/srv/a/b/empty");
        ok("ln", "-a", vm, "-s", "../../etc/hostname", "/srv/hn");
        ok("ln", "-a", vm, "/etc/hosts", "/srv/hosts-link");
        ok("chmod", "-a", vm, "0700", "/srv/a");
        ok("chown", "-a", vm, "33:33", "/srv/a/b");
        ok("edit", "-a", vm, "-b", ".orig", "-e", "s/^PermitRootLogin yes/PermitRootLogin no/",
                "/etc/ssh/sshd_config");
        assertEquals("PermitRootLogin yes\nPort 22\n", ok("cat", "-a", vm, "/etc/ssh/sshd_config.orig").out());
        ok("rm", "-a", vm, "/var/log/syslog");
        ok("rm", "-a", vm, "-rf", "/var/log/apt", "/no/such");
        assertEquals("PermitRootLogin no\nPort 22\n", ok("cat", "-a", vm, "/etc/ssh/sshd_config").out());
        assertEquals("template\n", ok("cat", "-a", vm, "/srv/hn").out());
        String l = ok("ls", "-a", vm, "-lR", "--uids", "/srv").out();
        assertTrue(l.contains("/srv/a/b/empty"), l);
        assertFalse(ok("ls", "-a", vm, "/var/log").out().contains("syslog"));
        Path raw = checkedRaw(vm);
        String a = Tool.run("debugfs", "-R", "stat /srv/a", raw.toString()).ok().stdout();
        assertTrue(a.contains("Mode:  0700"), a);
        String b = Tool.run("debugfs", "-R", "stat /srv/a/b", raw.toString()).ok().stdout();
        assertTrue(b.contains("User:    33   Group:    33") || b.matches("(?s).*User: +33 +Group: +33.*"), b);
        String hosts = Tool.run("debugfs", "-R", "stat /etc/hosts", raw.toString()).ok().stdout();
        assertTrue(hosts.contains("Links: 2"), hosts);
    }

    @Test
    void tarInAGzippedTarball() throws Exception {
        Path app = app();
        Path tgz = tmp.resolve("app.tar.gz");
        Tool.run("tar", "-C", app.toString(), "-czf", tgz.toString(), ".").ok();
        ok("tar-in", "-a", vm, tgz.toString(), "/srv");
        assertEquals("[app]\nport = 8080\n", ok("cat", "-a", vm, "/srv/conf/app.ini").out());
        checkedRaw(vm);
    }

    @Test
    void customizeAndSysprep() throws Exception {
        Path motd = tmp.resolve("motd");
        Files.writeString(motd, "Welcome\n");
        ok("customize", "-a", vm, "--hostname", "web01", "--mkdir", "/srv/data", "--chmod", "0750:/srv/data",
                "--write", "/etc/motd:Hello", "--upload", motd + ":/root", "--delete", "/var/log/*.log",
                "--truncate", "/etc/machine-id");
        assertEquals("web01\n", ok("cat", "-a", vm, "/etc/hostname").out());
        assertEquals("127.0.0.1 localhost\n127.0.1.1 web01\n", ok("cat", "-a", vm, "/etc/hosts").out());
        assertEquals("Hello", ok("cat", "-a", vm, "/etc/motd").out());
        assertEquals("Welcome\n", ok("cat", "-a", vm, "/root/motd").out());
        GuestCli.Result s = ok("sysprep", "-a", vm);
        assertEquals("Performing \"machine-id\" ...\nPerforming \"ssh-hostkeys\" ...\nPerforming \"logfiles\" ...\n"
                + "Performing \"bash-history\" ...\nPerforming \"udev-persistent-net\" ...\n", s.out());
        assertEquals("sshd_config\n", ok("ls", "-a", vm, "/etc/ssh").out());
        assertEquals("", ok("ls", "-a", vm, "/etc/udev/rules.d").out());
        assertEquals("apt\n", ok("ls", "-a", vm, "/var/log").out());
        assertEquals("", ok("ls", "-a", vm, "/var/log/apt").out());
        assertEquals("", ok("cat", "-a", vm, "/etc/machine-id").out());
        assertFalse(ok("ls", "-a", vm, "/root").out().contains(".bash_history"));
        GuestCli.Result again = ok("sysprep", "-a", vm, "--operations", "machine-id", "--hostname", "db02");
        assertEquals("Performing \"machine-id\" ...\nPerforming \"customize\" ...\n", again.out());
        assertEquals("db02\n", ok("cat", "-a", vm, "/etc/hostname").out());
        assertEquals("127.0.0.1 localhost\n127.0.1.1 db02\n", ok("cat", "-a", vm, "/etc/hosts").out());
        checkedRaw(vm);
    }

    /** libguestfs reads what Platter wrote as Platter reads it (one appliance boot per call: 10-40 s each). */
    @Test
    @RequiresTool({"virt-ls", "virt-cat"})
    void libguestfsSeesWhatWasWritten() throws Exception {
        Path app = app();
        ok("copy-in", "-a", vm, app.toString(), "/opt");
        Map<String, String> env = Map.of("LIBGUESTFS_BACKEND", "direct", "LIBGUESTFS_BACKEND_SETTINGS", "force_tcg");
        Tool.Result ls = Tool.run(null, env, "virt-ls", "--format=qcow2", "-a", vm, "-lR", "--uids",
                "--checksum=sha256", "--time-t", "/opt");
        assertEquals(0, ls.exitCode(), ls.stderr());
        assertEquals(ls.stdout(), ok("ls", "-a", vm, "-lR", "--uids", "--checksum=sha256", "--time-t", "/opt").out());
        Tool.Result cat = Tool.run(null, env, "virt-cat", "--format=qcow2", "-a", vm, "/opt/app/current.ini");
        assertEquals(0, cat.exitCode(), cat.stderr());
        assertEquals("[app]\nport = 8080\n", cat.stdout());
    }

    /**
     * virt-copy-in and Platter's copy-in of the same tree into twin guests give the same tree: names, types, modes,
     * owners, sizes, contents, link targets and modification times, as Platter's ls -lR shows them for both.
     */
    @Test
    @RequiresTool({"virt-copy-in"})
    void virtCopyInMakesTheSameTree() throws Exception {
        Path app = app();
        Path twin = tmp.resolve("twin.qcow2");
        Files.copy(Path.of(vm), twin);
        Map<String, String> env = Map.of("LIBGUESTFS_BACKEND", "direct", "LIBGUESTFS_BACKEND_SETTINGS", "force_tcg");
        Tool.Result lg = Tool.run(null, env, "virt-copy-in", "--format=qcow2", "-a", twin.toString(), app.toString(),
                "/opt");
        assertEquals(0, lg.exitCode(), lg.stderr());
        ok("copy-in", "-a", vm, app.toString(), "/opt");
        String[] listing = {"ls", "-lR", "--uids", "--checksum=sha256", "--time-t", "--time-relative", "/opt"};
        String theirs = ok(concat(new String[] {"-a", twin.toString()}, listing)).out();
        String ours = ok(concat(new String[] {"-a", vm}, listing)).out();
        assertEquals(withoutTimes(theirs), withoutTimes(ours));
        checkedRaw(vm);
    }

    /** A listing without the line of "/" itself (its times change with every write). */
    private static String withoutRoot(String listing) {
        StringBuilder b = new StringBuilder();
        for (String line : listing.split("\n")) {
            if (!line.endsWith(" /")) {
                b.append(line).append('\n');
            }
        }
        return b.toString();
    }

    private static String[] concat(String[] image, String[] command) {
        String[] out = new String[image.length + command.length];
        out[0] = command[0];
        System.arraycopy(image, 0, out, 1, image.length);
        System.arraycopy(command, 1, out, 1 + image.length, command.length - 1);
        return out;
    }

    /**
     * The listing with the times of the copies themselves masked: atime, mtime and ctime columns (seconds before now)
     * under a minute read "now"; the sources' modification times, older, stay.
     */
    private static String withoutTimes(String listing) {
        StringBuilder b = new StringBuilder();
        for (String line : listing.split("\n")) {
            String[] f = line.trim().split(" +");
            for (int i = 5; i <= 7 && i < f.length; i++) {
                if (f[i].matches("-?\\d+") && Math.abs(Long.parseLong(f[i])) < 60) {
                    f[i] = "now";
                }
            }
            b.append(String.join(" ", f)).append('\n');
        }
        return b.toString();
    }

    private static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
