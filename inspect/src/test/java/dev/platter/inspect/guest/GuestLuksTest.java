package dev.platter.inspect.guest;

import dev.platter.core.crypto.Secret;
import dev.platter.core.crypto.WrongPassphraseException;
import dev.platter.testdata.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LUKS volumes inside a guest (guest-luks1.raw, guest-luks2.raw: GPT, ext4 /boot, a LUKS partition holding an LVM
 * PV with an XFS root and swap; made by cryptsetup and dm-crypt, see make-guest-luks.sh): opened with the right
 * passphrase by device name or UUID, the payload named /dev/mapper/luks-UUID, scanned for PVs, its LVs read; left
 * locked without one; refused, naming the device, with a wrong one.
 */
class GuestLuksTest {
    private static final String UUID1 = "5a6b0000-0000-4000-8000-00000000c100";
    private static final String UUID2 = "5a6b0000-0000-4000-8000-00000000c200";
    @TempDir
    static Path dir;
    private static Path luks1;
    private static Path luks2;

    @BeforeAll
    static void expand() {
        luks1 = Fixtures.expandLuks("guest-luks1.raw", dir);
        luks2 = Fixtures.expandLuks("guest-luks2.raw", dir);
    }

    private static Secret pw(String s) {
        return Secret.of(s.getBytes(StandardCharsets.UTF_8));
    }

    private static Guest open(Path disk, GuestKeys keys) throws IOException {
        return Guest.open(List.of(new DiskSpec(disk, "raw")), GuestOptions.defaults().withKeys(keys));
    }

    private static List<String> names(List<DetectedFilesystem> fss) {
        return fss.stream().map(f -> f.name() + " " + f.type()).toList();
    }

    @Test
    void luks1ByDeviceName() throws IOException {
        try (Secret s = pw("platter-luks-one");
             Guest g = open(luks1, GuestKeys.of(Map.of("/dev/sda2", s)))) {
            String mapped = "/dev/mapper/luks-" + UUID1;
            assertEquals(List.of(mapped), g.mappedDevices().stream().map(GuestDevice::name).toList());
            GuestDevice m = g.mappedDevices().get(0);
            assertEquals("/dev/sda2", m.encryptedDevice().name());
            assertEquals(UUID1, m.luksUuid());
            assertEquals(40L * 1024 * 1024 - 2 * 1024 * 1024, m.size());   // the partition less the LUKS1 header
            assertEquals(List.of(mapped), g.physicalVolumes().stream().map(pv -> pv.deviceName()).toList());
            assertEquals(List.of("/dev/sda1 ext4", "/dev/luks1-vg/root xfs", "/dev/luks1-vg/swap swap"),
                    names(g.filesystems()));
            assertEquals(mapped, g.canonicalDevice(mapped));
            assertEquals(m, g.device(mapped));
            // dm-crypt's mapping is made before the LVs inside it are activated
            assertEquals(List.of(mapped, "/dev/luks1-vg/root", "/dev/luks1-vg/swap"),
                    g.deviceMapperOrder().stream().map(GuestDevice::name).toList());
            Mounts mounts = g.mountOperatingSystem();
            assertEquals("luks1-guest\n", new String(mounts.readSmallFile("/etc/hostname", 100),
                    StandardCharsets.UTF_8));
            assertEquals("kept behind LUKS1\n", new String(mounts.readSmallFile("/srv/secret/link", 100),
                    StandardCharsets.UTF_8));
            assertFalse(String.join("\n", g.warnings()).contains("locked"), g.warnings().toString());
        }
    }

    @Test
    void luks2ArgonByUuid() throws IOException {
        try (Secret s = pw("platter-luks-two");
             Guest g = open(luks2, GuestKeys.of(Map.of(UUID2, s)))) {
            assertEquals(List.of("/dev/mapper/luks-" + UUID2),
                    g.mappedDevices().stream().map(GuestDevice::name).toList());
            assertEquals(List.of("/dev/sda1 ext4", "/dev/luks2-vg/root xfs", "/dev/luks2-vg/swap swap"),
                    names(g.filesystems()));
            OsInfo os = g.inspect().get(0);
            assertEquals("/dev/luks2-vg/root", os.root().name());
            assertEquals("luks2-guest", os.hostname());
            assertEquals("kept behind LUKS2\n", new String(g.mount(os).readSmallFile("/srv/secret/notes.txt", 100),
                    StandardCharsets.UTF_8));
        }
    }

    @Test
    void withoutAKeyTheVolumeStaysLocked() throws IOException {
        try (Guest g = open(luks1, GuestKeys.none())) {
            assertTrue(g.mappedDevices().isEmpty());
            assertTrue(g.physicalVolumes().isEmpty());
            assertEquals(List.of("/dev/sda1 ext4"), names(g.filesystems()));
            assertEquals(List.of("/dev/sda2: LUKS volume " + UUID1 + " left locked: no passphrase given for it"),
                    g.warnings());
            assertTrue(g.inspect().isEmpty());
        }
    }

    @Test
    void aKeyForAnotherVolumeLeavesItLocked() throws IOException {
        try (Secret s = pw("platter-luks-one");
             Guest g = open(luks1, GuestKeys.of(Map.of("/dev/sdb2", s, UUID2, s)))) {
            assertTrue(g.mappedDevices().isEmpty());
        }
    }

    @Test
    void aWrongPassphraseNamesTheDevice() {
        try (Secret s = pw("not-the-passphrase")) {
            WrongPassphraseException e = assertThrows(WrongPassphraseException.class,
                    () -> open(luks1, GuestKeys.of(Map.of("/dev/sda2", s))).close());
            assertEquals("could not find key to open LUKS encrypted /dev/sda2: No key available with this passphrase",
                    e.getMessage());
            assertFalse(e.getMessage().contains("not-the-passphrase"));
        }
    }

    @Test
    void everyPassphraseIsTriedInOrder() throws IOException {
        List<String> asked = new ArrayList<>();
        try (Secret wrong = pw("platter-luks-one"); Secret right = pw("platter-luks-two")) {
            GuestKeys keys = (device, uuid) -> {
                asked.add(device + " " + uuid);
                return List.of(wrong, right);
            };
            try (Guest g = open(luks2, keys)) {
                assertEquals(1, g.mappedDevices().size());
            }
        }
        // asked once, for the partition (the LVs inside hold no LUKS volume, so they are never asked about)
        assertEquals(List.of("/dev/sda2 " + UUID2), asked);
    }

    @Test
    void bothDisksKeysAskedInDiskOrder() throws IOException {
        List<String> asked = new ArrayList<>();
        try (Secret one = pw("platter-luks-one"); Secret two = pw("platter-luks-two")) {
            GuestKeys keys = (device, uuid) -> {
                asked.add(device);
                return List.of(device.equals("/dev/sda2") ? one : two);
            };
            try (Guest g = Guest.open(List.of(new DiskSpec(luks1, "raw"), new DiskSpec(luks2, "raw")),
                    GuestOptions.defaults().withKeys(keys))) {
                assertEquals(List.of("/dev/mapper/luks-" + UUID1, "/dev/mapper/luks-" + UUID2),
                        g.mappedDevices().stream().map(GuestDevice::name).toList());
                assertEquals(List.of("/dev/sda1 ext4", "/dev/sdb1 ext4", "/dev/luks1-vg/root xfs",
                        "/dev/luks1-vg/swap swap", "/dev/luks2-vg/root xfs", "/dev/luks2-vg/swap swap"),
                        names(g.filesystems()));
                assertEquals(2, g.inspect().size());
            }
        }
        assertEquals(List.of("/dev/sda2", "/dev/sdb2"), asked);
    }
}
