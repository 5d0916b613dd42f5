package dev.platter.inspect.guest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * /etc/fstab: its lines, and what libguestfs's inspection makes of them (inspect_fs_unix_fstab.ml): the device of
 * each entry resolved to a guest device name (UUID=, LABEL=, PARTUUID=, PARTLABEL=, /dev/mapper/VG-LV, /dev/VG/LV,
 * /dev/vdb1 and friends, /dev/disk/by-uuid, /dev/disk/by-id/...-partN, dm-uuid-LVM-, /dev/root), entries for
 * floppies, CD-ROMs, pseudo filesystems and /dev, /proc, /sys, /selinux, /media mount points dropped.
 */
final class Fstab {
    /** One line: the device spec, the mount point, the type and the options. */
    record Line(String spec, String file, String vfstype) {
    }

    private static final Pattern XDEV = Pattern.compile("^/dev/(h|s|v|xv)d([a-z]+)(\\d*)$");
    private static final Pattern BY_ID = Pattern.compile("^/dev/disk/by-(?:id|path)/.*-part(\\d+)$");
    private static final Pattern DM_UUID =
            Pattern.compile("^/dev/disk/by-id/dm-uuid-LVM-([0-9a-zA-Z]{32})([0-9a-zA-Z]{32})$");

    private Fstab() {
    }

    /** The entries of an fstab: lines with at least spec, mount point and type; comments and blanks skipped. */
    static List<Line> parse(byte[] text, List<String> warnings) {
        List<Line> out = new ArrayList<>();
        int n = 0;
        for (String line : new String(text, StandardCharsets.UTF_8).split("\n", -1)) {
            n++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] f = t.split("[ \t]+");
            if (f.length < 3) {
                warnings.add("/etc/fstab line " + n + ": fewer than three fields, ignored");
                continue;
            }
            out.add(new Line(f[0], f[1], f[2]));
        }
        return out;
    }

    /** The entries that name a device, resolved: what inspect-get-mountpoints and -filesystems report. */
    static List<OsInfo.Mountpoint> resolve(List<Line> lines, Guest guest, DetectedFilesystem root)
            throws java.io.IOException {
        List<OsInfo.Mountpoint> out = new ArrayList<>();
        for (Line l : lines) {
            String spec = l.spec();
            if (spec.matches("^/dev/(fd|cd)\\d.*") || spec.equals("/dev/floppy") || spec.equals("/dev/cdrom")
                    || spec.startsWith("/dev/iso9660/")) {
                continue;
            }
            String mp = canonicalPath(l.file());
            if (mp.startsWith("/dev/") || mp.equals("/dev") || mp.startsWith("/media/") || mp.startsWith("/proc/")
                    || mp.equals("/proc") || mp.startsWith("/selinux/") || mp.equals("/selinux")
                    || mp.startsWith("/sys/") || mp.equals("/sys")) {
                continue;
            }
            String device = device(spec, guest, root);
            if (device != null) {
                out.add(new OsInfo.Mountpoint(guest.displayName(device), mp));
            }
        }
        // Several entries for "/": keep the first (libguestfs does the same, with a warning).
        List<OsInfo.Mountpoint> deduped = new ArrayList<>();
        boolean rootSeen = false;
        for (OsInfo.Mountpoint m : out) {
            if (m.path().equals("/")) {
                if (rootSeen) {
                    continue;
                }
                rootSeen = true;
            }
            deduped.add(m);
        }
        return deduped;
    }

    private static String device(String spec, Guest guest, DetectedFilesystem root) throws java.io.IOException {
        if (spec.startsWith("UUID=")) {
            return byUuid(guest, unquote(spec.substring(5)));
        }
        if (spec.startsWith("LABEL=")) {
            String label = unquote(spec.substring(6));
            for (DetectedFilesystem fs : guest.filesystems()) {
                if (fs.label().equals(label)) {
                    return fs.name();
                }
            }
            return null;
        }
        if (spec.startsWith("PARTUUID=")) {
            GuestDevice d = guest.partitionByPartuuid(unquote(spec.substring(9)));
            return d == null ? null : d.name();
        }
        if (spec.startsWith("PARTLABEL=")) {
            GuestDevice d = guest.partitionByPartlabel(unquote(spec.substring(10)));
            return d == null ? null : d.name();
        }
        if (spec.equals("/dev/root")) {
            return root.name();
        }
        if (!spec.startsWith("/dev/")) {
            return null;  // tmpfs, proc, /.swap and other pseudo devices
        }
        if (spec.startsWith("/dev/mapper/")) {
            String lv = guest.canonicalDevice(spec);
            return lv != null ? lv : spec;
        }
        Matcher m = XDEV.matcher(spec);
        if (m.matches()) {
            int index = DeviceNames.driveIndex(m.group(2));
            if (index >= 0 && index < guest.disks().size() && !m.group(3).isEmpty()) {
                return DeviceNames.disk(index) + m.group(3);
            }
            return spec;
        }
        if (spec.startsWith("/dev/disk/by-uuid/")) {
            String d = byUuid(guest, spec.substring(18));
            return d != null ? d : spec;
        }
        m = DM_UUID.matcher(spec);
        if (m.matches()) {
            for (GuestDevice lv : guest.logicalVolumes()) {
                var l = lv.logicalVolume();
                if (l.volumeGroup().metadata().compactId().equals(m.group(1)) && l.uuid().replace("-", "")
                        .equals(m.group(2))) {
                    return lv.name();
                }
            }
            return spec;
        }
        m = BY_ID.matcher(spec);
        if (m.matches()) {
            return guest.disks().size() == 1 ? "/dev/sda" + m.group(1) : spec;
        }
        return spec;
    }

    private static String byUuid(Guest guest, String uuid) throws java.io.IOException {
        for (DetectedFilesystem fs : guest.filesystems()) {
            if (!fs.uuid().isEmpty() && fs.uuid().toLowerCase(Locale.ROOT).equals(uuid.toLowerCase(Locale.ROOT))) {
                return fs.name();
            }
        }
        return null;
    }

    /** "///usr//local//" becomes "/usr/local". */
    static String canonicalPath(String path) {
        String p = path.replaceAll("/+", "/");
        if (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }

    /** Shell-style unquoting of a value: '...' taken literally, "..." with \\ \" \$ \` escapes. */
    static String unquote(String s) {
        int len = s.length();
        if (len >= 2 && s.charAt(0) == '\'' && s.charAt(len - 1) == '\'') {
            return s.substring(1, len - 1);
        }
        if (len >= 2 && s.charAt(0) == '"' && s.charAt(len - 1) == '"') {
            StringBuilder sb = new StringBuilder();
            for (int i = 1; i < len - 1; i++) {
                char c = s.charAt(i);
                if (c == '\\' && i + 1 < len - 1) {
                    char next = s.charAt(++i);
                    if (next != '$' && next != '`' && next != '"' && next != '\\') {
                        sb.append('\\');
                    }
                    sb.append(next);
                } else {
                    sb.append(c);
                }
            }
            return sb.toString();
        }
        return s;
    }
}
