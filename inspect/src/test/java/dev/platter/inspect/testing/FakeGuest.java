package dev.platter.inspect.testing;

import dev.platter.inspect.guest.DiskSpec;
import dev.platter.inspect.guest.Guest;
import dev.platter.inspect.guest.GuestOptions;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A two-disk guest made of {@link FakeFs} filesystems: disk A has a GPT with /boot (partition 1) and a
 * Debian-like root (partition 2); disk B is a whole-disk filesystem for /data. Tests add files to {@link #root}.
 */
public final class FakeGuest {
    private static final long MIB = 1 << 20;
    private static int counter;

    public final FakeFs boot;
    public final FakeFs root;
    public final FakeFs data;
    public final Path diskA;
    public final Path diskB;

    public FakeGuest(Path dir) throws IOException {
        String id = "g" + (++counter) + "-" + System.nanoTime();
        boot = new FakeFs(id + "-boot", "boot", "11111111-0000-0000-0000-00000000b001");
        root = new FakeFs(id + "-root", "root", "11111111-0000-0000-0000-00000000f001");
        data = new FakeFs(id + "-data", "data", "11111111-0000-0000-0000-00000000da7a");
        MemoryDisk a = new MemoryDisk(16 * MIB);
        a.gpt(512, new long[][] {{2048, 4095}, {4096, 30000}});
        boot.writeMagic(a.device(), 2048 * 512);
        root.writeMagic(a.device(), 4096 * 512);
        MemoryDisk b = new MemoryDisk(4 * MIB);
        data.writeMagic(b.device(), 0);
        diskA = a.saveTo(dir.resolve("fake-a.raw"));
        diskB = b.saveTo(dir.resolve("fake-b.raw"));

        FakeFs.Node etc = root.dir(root.root(), "etc");
        root.file(etc, "os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n");
        root.file(etc, "debian_version", "12.8\n");
        root.file(etc, "hostname", "fakehost\n");
        root.file(etc, "fstab", """
                # comment
                UUID=11111111-0000-0000-0000-00000000f001 / fakefs defaults 0 1
                LABEL=boot   /boot   fakefs  defaults 0 2
                /dev/vdb     /data//  fakefs  defaults 0 2
                PARTUUID=00000000-0000-1234-0000-000000000001 /boot2 fakefs defaults 0 0
                /dev/vdz1    /missing fakefs defaults 0 0
                UUID=no-such-uuid /gone fakefs defaults 0 0
                tmpfs        /tmp    tmpfs   defaults 0 0
                proc         /proc   proc    defaults 0 0
                """);
        FakeFs.Node usr = root.dir(root.root(), "usr");
        FakeFs.Node bin = root.dir(usr, "bin");
        byte[] elf = new byte[64];
        elf[0] = 0x7F;
        elf[1] = 'E';
        elf[2] = 'L';
        elf[3] = 'F';
        elf[4] = 2;
        elf[5] = 1;
        elf[18] = 62;
        root.file(bin, FakeFs.bytes("sh"), elf, 0100755);
        root.symlink(root.root(), "bin", "usr/bin");
        root.dir(root.root(), "boot");
        root.dir(root.root(), "boot2");
        root.dir(root.root(), "data");
        root.dir(root.root(), "tmp");
        boot.dir(boot.root(), "grub");
        boot.file(boot.root(), "vmlinuz", "kernel\n");
        data.file(data.root(), "README", "data disk\n");
    }

    public Guest open() throws IOException {
        return Guest.open(List.of(new DiskSpec(diskA, "raw"), new DiskSpec(diskB, "raw")), GuestOptions.defaults());
    }
}
