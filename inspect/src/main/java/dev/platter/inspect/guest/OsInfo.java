package dev.platter.inspect.guest;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What inspection found out about one operating system, in libguestfs's terms (inspect-get-*): "unknown" where
 * nothing was found, versions 0 when unknown.
 *
 * @param root              the root filesystem
 * @param type              "linux" ...
 * @param distro            "debian", "fedora", "rhel" ... or "unknown"
 * @param productName       e.g. "Fedora release 39 (Thirty Nine)", or "unknown"
 * @param majorVersion      major version, 0 when unknown
 * @param minorVersion      minor version
 * @param arch              "x86_64" ... or "unknown"
 * @param hostname          the configured hostname, or "unknown"
 * @param packageFormat     "rpm", "deb" ... or "unknown"
 * @param packageManagement "dnf", "apt" ... or "unknown"
 * @param fstab             the /etc/fstab entries that name a device this guest has (or could have), in file
 *                          order: device (libguestfs's name) and mount point (which may be "none" or "swap")
 */
public record OsInfo(DetectedFilesystem root, String type, String distro, String productName, int majorVersion,
                     int minorVersion, String arch, String hostname, String packageFormat, String packageManagement,
                     List<Mountpoint> fstab) {

    /** A device and where it mounts. */
    public record Mountpoint(String device, String path) {
    }

    /** libosinfo's short ID guessed from type, distro and version ("debian12", "fedora39"), or "unknown". */
    public String osinfo() {
        if (type.equals("linux")) {
            int major = majorVersion;
            int minor = minorVersion;
            switch (distro) {
                case "centos":
                    return major >= 8 ? distro + major : major == 7 ? distro + major + ".0"
                            : major >= 6 ? distro + major + "." + minor : fallback();
                case "debian":
                    return major >= 4 ? distro + major : fallback();
                case "fedora", "mageia":
                    return distro + major;
                case "ubuntu":
                    return String.format("%s%d.%02d", distro, major, minor);
                case "archlinux", "gentoo", "voidlinux":
                    return distro;
                case "sles":
                    String base = major >= 15 ? "sle" : "sles";
                    return minor == 0 ? base + major : base + major + "sp" + minor;
                default:
                    return fallback();
            }
        }
        return "unknown";
    }

    private String fallback() {
        return !distro.equals("unknown") && (majorVersion > 0 || minorVersion > 0)
                ? distro + majorVersion + "." + minorVersion : "unknown";
    }

    /** inspect-get-mountpoints: the fstab entries with an absolute mount point, or just the root without fstab. */
    public List<Mountpoint> mountpoints() {
        if (fstab.isEmpty()) {
            return List.of(new Mountpoint(root.name(), "/"));
        }
        List<Mountpoint> out = new ArrayList<>();
        for (Mountpoint m : fstab) {
            if (m.path().startsWith("/")) {
                out.add(m);
            }
        }
        return out;
    }

    /** The mount points shortest first, then by name: the order in which they are mounted and listed. */
    public List<Mountpoint> mountpointsInMountOrder() {
        List<Mountpoint> out = new ArrayList<>(mountpoints());
        out.sort(Comparator.comparingInt((Mountpoint m) -> m.path().length()).thenComparing(Mountpoint::path));
        return out;
    }

    /** inspect-get-filesystems: every fstab device (swap included), or just the root without fstab. */
    public List<String> filesystems() {
        if (fstab.isEmpty()) {
            return List.of(root.name());
        }
        return fstab.stream().map(Mountpoint::device).toList();
    }

    /**
     * The installed packages (inspect-list-applications2), read through {@code mounts} (this OS mounted): dpkg's
     * status file for Debian-family guests; an empty list for package formats Platter does not read (rpm ...).
     */
    public List<Application> applications(Mounts mounts) throws java.io.IOException {
        if (packageFormat.equals("deb")) {
            byte[] status = mounts.readSmallFile("/var/lib/dpkg/status", DpkgStatus.MAX_SIZE);
            return status == null ? List.of() : DpkgStatus.parse(status);
        }
        return List.of();
    }
}
