package dev.platter.inspect.guest;

import dev.platter.inspect.fs.FileType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds operating systems the way libguestfs's inspection does (inspect_fs.ml): each filesystem is mounted alone
 * and classified by what it holds; a Linux root is /etc plus /bin (or /bin -> usr/bin) plus /etc/fstab or
 * /etc/hosts, and is then read for its distribution, version, architecture, hostname and fstab. A separate /usr
 * named in the root's fstab fills in what the root lacks.
 */
final class OsInspector {
    private static final List<String> ARCH_BINARIES =
            List.of("/bin/bash", "/bin/ls", "/bin/echo", "/bin/rm", "/bin/sh");

    private enum Role { ROOT, USR, OTHER }

    private record Found(DetectedFilesystem fs, Role role, LinuxRelease.Data data, String arch, String hostname,
                         List<OsInfo.Mountpoint> fstab, boolean hasDnf) {
    }

    private OsInspector() {
    }

    static List<OsInfo> inspect(Guest guest) throws IOException {
        List<Found> found = new ArrayList<>();
        for (DetectedFilesystem fs : guest.filesystems()) {
            if (!fs.isMountable()) {
                continue;
            }
            Mounts m = guest.mounts();
            try {
                m.mount(fs.name(), "/");
                found.add(check(guest, m, fs));
            } catch (IOException e) {
                // One filesystem that cannot be inspected must not stop the others.
                guest.warn(fs.name() + ": not inspected: " + e.getMessage());
            }
        }
        List<OsInfo> roots = new ArrayList<>();
        for (Found f : found) {
            if (f.role != Role.ROOT) {
                continue;
            }
            LinuxRelease.Data d = f.data;
            String arch = f.arch;
            for (Found u : found) {
                boolean sameDistro = u.data.distro == null || u.data.distro.equals(d.distro);
                if (u.role == Role.USR && sameDistro
                        && f.fstab.stream().anyMatch(mp -> mp.device().equals(u.fs.name()))) {
                    if (d.productName == null) {
                        d.productName = u.data.productName;
                    }
                    if (d.major == null && u.data.major != null) {
                        d.version(u.data.major, u.data.minor);
                    }
                    if (arch == null) {
                        arch = u.arch;
                    }
                }
            }
            String distro = d.distro == null ? "unknown" : d.distro;
            roots.add(new OsInfo(f.fs, "linux", distro, d.productName == null ? "unknown" : d.productName,
                    d.major == null ? 0 : d.major, d.minor == null ? 0 : d.minor, arch == null ? "unknown" : arch,
                    f.hostname == null ? "unknown" : f.hostname, packageFormat(distro),
                    packageManagement(distro, d.major == null ? 0 : d.major, f), f.fstab));
        }
        return roots;
    }

    private static Found check(Guest guest, Mounts m, DetectedFilesystem fs) throws IOException {
        LinuxRelease.Data none = new LinuxRelease.Data();
        if (isFile(m, "/grub/menu.lst") || isFile(m, "/grub/grub.conf") || isFile(m, "/grub2/grub.cfg")) {
            return new Found(fs, Role.OTHER, none, null, null, List.of(), false);
        }
        if (isDir(m, "/etc") && (isDir(m, "/bin") || isSymlinkTo(m, "/bin", "usr/bin"))
                && (isFile(m, "/etc/fstab") || isFile(m, "/etc/hosts"))) {
            LinuxRelease.Data d = LinuxRelease.detect(m);
            List<OsInfo.Mountpoint> fstab = List.of();
            byte[] text = m.readSmallFile("/etc/fstab", 100_000);
            if (text != null) {
                List<String> w = new ArrayList<>();
                fstab = Fstab.resolve(Fstab.parse(text, w), guest, fs);
                for (String warning : w) {
                    guest.warn(fs.name() + ": " + warning);
                }
            }
            GuestFile dnf = LinuxRelease.exists(m, "/usr/bin/dnf");
            return new Found(fs, Role.ROOT, d, architecture(m), hostname(m), fstab,
                    dnf != null && dnf.type() == FileType.REGULAR);
        }
        if (isDir(m, "/etc") && isDir(m, "/bin") && isDir(m, "/share") && isDir(m, "/local")
                && !isFile(m, "/etc/fstab")) {
            LinuxRelease.Data d = new LinuxRelease.Data();
            if (LinuxRelease.exists(m, "/lib/os-release") != null) {
                List<String> lines = LinuxRelease.lines(m, "/lib/os-release");
                if (lines != null) {
                    for (String[] kv : LinuxRelease.keyValues(lines)) {
                        if (kv[0].equals("PRETTY_NAME")) {
                            d.productName = kv[1];
                        } else if (kv[0].equals("VERSION_ID")) {
                            LinuxRelease.parseVersion(kv[1], d);
                        }
                    }
                }
            }
            return new Found(fs, Role.USR, d, architecture(m), null, List.of(), false);
        }
        return new Found(fs, Role.OTHER, none, null, null, List.of(), false);
    }

    private static GuestFile lstat(Mounts m, String path) throws IOException {
        try {
            return m.lstat(path);
        } catch (GuestFileException e) {
            return null;
        }
    }

    private static boolean isFile(Mounts m, String path) throws IOException {
        GuestFile f = lstat(m, path);
        return f != null && f.type() == FileType.REGULAR;
    }

    private static boolean isDir(Mounts m, String path) throws IOException {
        GuestFile f = lstat(m, path);
        return f != null && f.type() == FileType.DIRECTORY;
    }

    private static boolean isSymlinkTo(Mounts m, String path, String target) throws IOException {
        GuestFile f = lstat(m, path);
        return f != null && f.type() == FileType.SYMLINK
                && new String(m.readlink(f), StandardCharsets.UTF_8).equals(target);
    }

    private static String architecture(Mounts m) throws IOException {
        for (String bin : ARCH_BINARIES) {
            GuestFile f = LinuxRelease.exists(m, bin);
            if (f == null || f.type() != FileType.REGULAR) {
                continue;
            }
            try (var dev = m.open(f)) {
                if (dev.size() >= 20) {
                    String arch = ElfArch.of(dev.readBytes(0, 20));
                    if (arch != null) {
                        return arch;
                    }
                }
            }
        }
        return null;
    }

    private static String hostname(Mounts m) throws IOException {
        for (String file : List.of("/etc/HOSTNAME", "/etc/hostname")) {
            List<String> lines = LinuxRelease.lines(m, file);
            if (lines != null && !lines.isEmpty() && !(lines.size() == 1 && lines.get(0).isEmpty())) {
                return lines.get(0);
            }
        }
        if (isFile(m, "/etc/sysconfig/network")) {
            List<String> lines = LinuxRelease.lines(m, "/etc/sysconfig/network");
            if (lines != null) {
                for (String[] kv : LinuxRelease.keyValues(lines)) {
                    if (kv[0].strip().equals("HOSTNAME")) {
                        return kv[1];
                    }
                }
            }
        }
        return null;
    }

    static String packageFormat(String distro) {
        return switch (distro) {
            case "altlinux", "centos", "fedora", "mageia", "mandriva", "meego", "neokylin", "opensuse",
                 "oraclelinux", "redhat-based", "rhel", "scientificlinux", "sles", "suse-based" -> "rpm";
            case "debian", "kalilinux", "linuxmint", "ubuntu" -> "deb";
            case "archlinux" -> "pacman";
            case "gentoo" -> "ebuild";
            case "pardus" -> "pisi";
            case "alpinelinux" -> "apk";
            case "voidlinux" -> "xbps";
            default -> "unknown";
        };
    }

    private static String packageManagement(String distro, int major, Found f) {
        return switch (distro) {
            case "meego" -> "yum";
            case "fedora" -> major >= 22 && f.hasDnf ? "dnf" : major >= 1 ? "yum" : "unknown";
            case "neokylin" -> "dnf";
            case "centos", "oraclelinux", "redhat-based", "rhel", "scientificlinux" ->
                    major >= 8 ? "dnf" : major >= 5 ? "yum" : major >= 2 ? "up2date" : "unknown";
            case "altlinux", "debian", "kalilinux", "linuxmint", "ubuntu" -> "apt";
            case "archlinux" -> "pacman";
            case "gentoo" -> "portage";
            case "pardus" -> "pisi";
            case "mageia", "mandriva" -> "urpmi";
            case "opensuse", "sles", "suse-based" -> "zypper";
            case "alpinelinux" -> "apk";
            case "voidlinux" -> "xbps";
            default -> "unknown";
        };
    }
}
