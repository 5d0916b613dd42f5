package dev.platter.cli.guest;

import dev.platter.testdata.Fixtures;
import dev.platter.testdata.LoopDevice;
import dev.platter.testdata.RequiresLoopDevices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The guest commands read a guest's disks from host block devices (loop devices over the sample disks: MBR with
 * logical partitions, ext2/ext4 and vfat, an LVM guest across two disks, a 4Kn GPT disk on a 4096-byte-sector device, a CentOS-like XFS disk) and
 * print byte for byte what they print for the files behind them. Only df names the disk, by its file name ("loop3"
 * for /dev/loop3), as virt-df does.
 */
@RequiresLoopDevices
class GuestOnBlockDeviceTest {
    @TempDir
    Path dir;

    /** Runs the command with {@code files} and with {@code devices} as the disks ("-a IMG" for each "-a"). */
    private static void same(List<String> files, List<LoopDevice> devices, String... command) {
        GuestCli.Result f = GuestCli.run(with(command, files));
        List<String> names = new ArrayList<>();
        devices.forEach(d -> names.add(d.toString()));
        GuestCli.Result d = GuestCli.run(with(command, names));
        assertEquals(0, f.exit(), f.err());
        assertEquals(0, d.exit(), d.err());
        assertEquals(f.err(), d.err(), String.join(" ", command));
        byte[] expected = f.stdout();
        if (command[0].equals("df")) {
            // df names the disks by the first one's file name (compared in --csv, where no column is padded).
            String first = Path.of(files.get(0)).getFileName().toString();
            String dev = devices.get(0).path().getFileName().toString();
            expected = new String(expected, StandardCharsets.UTF_8).replace(first, dev).getBytes(StandardCharsets.UTF_8);
        }
        assertArrayEquals(expected, d.stdout(), String.join(" ", command) + "\n" + f.out() + "\n" + d.out());
    }

    private static String[] with(String[] command, List<String> disks) {
        List<String> args = new ArrayList<>();
        args.add(command[0]);
        for (String disk : disks) {
            args.add("-a");
            args.add(disk);
        }
        args.addAll(List.of(command).subList(1, command.length));
        return args.toArray(new String[0]);
    }

    @Test
    void mbrDiskWithExtAndXfs() {
        String file = Fixtures.expand("guest-mbr.raw", dir).toString();
        try (LoopDevice dev = LoopDevice.attach(Path.of(file))) {
            List<String> f = List.of(file);
            List<LoopDevice> d = List.of(dev);
            same(f, d, "filesystems", "--all", "--long", "--uuid");
            same(f, d, "filesystems", "--all", "--long", "-h");
            same(f, d, "ls", "-m", "/dev/sda1", "-lR", "--checksum=sha1", "--extra-stats", "/");
            same(f, d, "ls", "-m", "/dev/sda7", "-lR", "/");
            same(f, d, "cat", "-m", "/dev/sda1", "/etc/issue");
            same(f, d, "df", "--csv");
            same(f, d, "df", "-i", "--csv");
            same(f, d, "tar-out", "-m", "/dev/sda5", "/", "-");
            same(f, d, "ls", "--format=raw", "-m", "/dev/sda1", "-l", "/");
            same(f, d, "filesystems", "--untrusted", "--all", "--long");
        }
    }

    /** A VG across two disks, on two devices, and on one device plus one file. */
    @Test
    void lvmAcrossTwoDevices() {
        String a = Fixtures.expand("guest-lvm-a.raw", dir).toString();
        String b = Fixtures.expand("guest-lvm-b.raw", dir).toString();
        try (LoopDevice da = LoopDevice.attach(Path.of(a)); LoopDevice db = LoopDevice.attach(Path.of(b))) {
            List<String> f = List.of(a, b);
            List<LoopDevice> d = List.of(da, db);
            same(f, d, "filesystems", "--all", "--long", "--uuid");
            same(f, d, "ls", "-lR", "--checksum=md5", "--extra-stats", "/");
            same(f, d, "cat", "/srv/sparse.bin", "/etc/fstab", "/etc/hostname");
            same(f, d, "df", "--csv");
            same(f, d, "inspector");
            GuestCli.Result mixed = GuestCli.run("ls", "-a", a, "-a", db.toString(), "-lR", "/");
            GuestCli.Result files = GuestCli.run("ls", "-a", a, "-a", b, "-lR", "/");
            assertEquals(0, mixed.exit(), mixed.err());
            assertArrayEquals(files.stdout(), mixed.stdout(), "a file and a device");
        }
    }

    /** A 4Kn GPT disk on a device with 4096-byte logical sectors, as such a disk is attached to a host. */
    @Test
    void fourKnGptDiskOnA4096ByteSectorDevice() {
        String file = Fixtures.expand("guest-4kn-gpt.raw", dir).toString();
        try (LoopDevice dev = LoopDevice.attach(Path.of(file), 4096, false)) {
            List<String> f = List.of(file);
            List<LoopDevice> d = List.of(dev);
            same(f, d, "filesystems", "--all", "--long", "--uuid");
            same(f, d, "ls", "-m", "/dev/sda1", "-lR", "/");
            same(f, d, "cat", "-m", "/dev/sda2", "/fourk.txt");
            same(f, d, "df", "--csv");
            GuestCli.Result parts = GuestCli.run("filesystems", "-a", dev.toString(), "--partitions");
            assertTrue(parts.out().contains("/dev/sda1"), parts.out());
        }
    }

    @Test
    void centosXfsDisk() {
        String file = Fixtures.expand("disk-centos7-xfs.raw", dir).toString();
        try (LoopDevice dev = LoopDevice.attach(Path.of(file))) {
            List<String> f = List.of(file);
            List<LoopDevice> d = List.of(dev);
            same(f, d, "filesystems", "--all", "--long", "--uuid");
            same(f, d, "ls", "-lR", "--checksum=sha256", "/");
            same(f, d, "cat", "/etc/fstab", "/etc/os-release");
            same(f, d, "df", "--csv");
            same(f, d, "inspector");
        }
    }
}
