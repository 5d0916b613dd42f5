package dev.platter.inspect.ops;

import dev.platter.inspect.fs.WritableFileSystem.Attributes;
import dev.platter.inspect.guest.GuestFile;
import dev.platter.inspect.guest.GuestFileException;
import dev.platter.inspect.guest.Mounts;
import dev.platter.inspect.guest.OsInfo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The customizations of virt-customize that edit files, on a mounted writable guest: write a file, upload one,
 * delete paths (wildcards allowed), truncate, mkdir -p, chmod, and set the hostname the way the guest's distribution
 * keeps it. Each is a few {@link GuestWriter} operations; what they did is kept as notes for the caller to print.
 */
public final class GuestEdits {
    /** Distributions whose hostname is /etc/sysconfig/network's HOSTNAME= before version 7 (RHEL and its kin). */
    private static final Set<String> RHEL_LIKE = Set.of("rhel", "centos", "scientificlinux", "oraclelinux",
            "redhat-based", "rocky", "almalinux", "circle", "eurolinux", "kylin");
    /** Distributions that keep the name in /etc/hostname alone. */
    private static final Set<String> ETC_HOSTNAME = Set.of("fedora", "archlinux", "alpinelinux", "altlinux",
            "voidlinux", "gentoo", "mageia", "openmandriva", "clear-linux-os", "frugalware", "chimera");
    private static final Set<String> DEBIAN_LIKE = Set.of("debian", "ubuntu", "linuxmint", "kalilinux", "pardus");
    private static final Set<String> SUSE_LIKE = Set.of("opensuse", "sles", "suse-based");

    private final GuestWriter writer;
    private final List<String> notes = new ArrayList<>();

    public GuestEdits(Mounts mounts) {
        this.writer = new GuestWriter(mounts);
    }

    public GuestWriter writer() {
        return writer;
    }

    /** What was done or left undone that the user should hear about (a hostname not set ...). */
    public List<String> notes() {
        return notes;
    }

    /** --write FILE:CONTENT: the file holds exactly {@code content} (created 0644 root:root, or its content replaced). */
    public void write(String path, byte[] content) throws IOException {
        writer.writeFile(GuestWriter.bytes(path), content, Attributes.of(GuestWriter.FILE_MODE));
    }

    /**
     * --upload FILE:DEST: the host file's bytes to DEST (into it, under the file's name, when DEST is a directory),
     * with the host file's permissions and numeric owner, as virt-customize keeps them.
     */
    public void upload(Path local, String remote) throws IOException {
        if (!Files.isRegularFile(local)) {
            throw new IOException(local + ": not a regular file (or missing)");
        }
        byte[] dest = GuestWriter.bytes(remote);
        try {
            GuestFile f = writer.mounts().stat(dest);
            if (f.isDirectory()) {
                dest = Mounts.child(f.path(), local.getFileName().toString().getBytes(StandardCharsets.UTF_8));
            }
        } catch (GuestFileException e) {
            // a new file
        }
        Map<String, Object> a = Files.readAttributes(local, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
        long size = Files.size(local);
        try (InputStream in = Files.newInputStream(local)) {
            writer.writeFile(dest, in, size, Attributes.of(GuestWriter.FILE_MODE));
        }
        writer.chmod(dest, (Integer) a.get("mode") & 07777);
        writer.chown(dest, Integer.toUnsignedLong((Integer) a.get("uid")),
                Integer.toUnsignedLong((Integer) a.get("gid")));
    }

    /** --delete PATH: every path the pattern matches, recursively (rm -rf: nothing matching is no error). */
    public int delete(String pattern) throws IOException {
        int n = 0;
        if (!GuestGlob.hasWildcard(pattern)) {
            return writer.remove(GuestWriter.bytes(pattern), true, true) ? 1 : 0;
        }
        for (byte[] p : GuestGlob.expand(writer.mounts(), pattern)) {
            if (writer.remove(p, true, true)) {
                n++;
            }
        }
        return n;
    }

    /** --truncate PATH: an existing file cut to zero bytes. */
    public void truncate(String path) throws IOException {
        writer.truncate(GuestWriter.bytes(path), 0);
    }

    /** --mkdir DIR: mkdir -p, new directories 0755 root:root. */
    public void mkdirs(String path) throws IOException {
        writer.mkdirs(GuestWriter.bytes(path), Attributes.of(GuestWriter.DIR_MODE));
    }

    /** --chmod PERMISSIONS:FILE. */
    public void chmod(int permissions, String path) throws IOException {
        writer.chmod(GuestWriter.bytes(path), permissions);
    }

    /**
     * --hostname NAME, as virt-customize sets it for the guest's distribution ({@code os} from inspection; null when
     * the guest was mounted by hand, then /etc/hostname alone is written):
     * <ul>
     * <li>Debian, Ubuntu and kin: /etc/hostname, and the old name replaced by the new one in /etc/hosts (every
     * whitespace-separated name field of a non-comment line that is exactly the old name);</li>
     * <li>RHEL, CentOS and kin before 7: the HOSTNAME= line of /etc/sysconfig/network (replaced, or added); 7 and
     * later, Fedora, Arch, Alpine, Gentoo, Void ...: /etc/hostname;</li>
     * <li>openSUSE and SLES 15 and later: /etc/hostname; before 15: /etc/HOSTNAME;</li>
     * <li>anything else: nothing, with a note (virt-customize warns the same way).</li>
     * </ul>
     * /etc/hostname holds the name and a newline. Returns false when nothing was set.
     */
    public boolean hostname(String name, OsInfo os) throws IOException {
        if (name.isEmpty() || name.indexOf('\n') >= 0 || name.indexOf('/') >= 0) {
            throw new IOException("--hostname: invalid host name '" + name + "'");
        }
        if (os == null) {
            writeEtcHostname(name);
            return true;
        }
        String distro = os.distro();
        if (!os.type().equals("linux")) {
            notes.add("hostname could not be set for this type of guest (" + os.type() + ")");
            return false;
        }
        if (DEBIAN_LIKE.contains(distro)) {
            byte[] old = writer.mounts().readSmallFile("/etc/hostname", 1 << 16);
            writeEtcHostname(name);
            if (old != null) {
                String oldName = new String(old, StandardCharsets.UTF_8).trim();
                if (!oldName.isEmpty() && !oldName.equals(name)) {
                    replaceInEtcHosts(oldName, name);
                }
            }
            return true;
        }
        if (RHEL_LIKE.contains(distro)) {
            if (os.majorVersion() >= 7) {
                writeEtcHostname(name);
            } else {
                replaceLine("/etc/sysconfig/network", "HOSTNAME", name);
            }
            return true;
        }
        if (SUSE_LIKE.contains(distro)) {
            if (os.majorVersion() >= 15) {
                writeEtcHostname(name);
            } else {
                write("/etc/HOSTNAME", (name + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return true;
        }
        if (ETC_HOSTNAME.contains(distro)) {
            writeEtcHostname(name);
            return true;
        }
        notes.add("hostname could not be set for this type of guest (" + distro + ")");
        return false;
    }

    private void writeEtcHostname(String name) throws IOException {
        write("/etc/hostname", (name + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** KEY=VALUE in a shell-variable file: the first KEY= line replaced, or the line added at the end. */
    private void replaceLine(String path, String key, String value) throws IOException {
        byte[] old = writer.mounts().readSmallFile(path, 1 << 20);
        String text = old == null ? "" : new String(old, StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        boolean done = false;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(key + "=")) {
                lines.set(i, key + "=" + value);
                done = true;
                break;
            }
        }
        if (!done) {
            lines.add(key + "=" + value);
        }
        write(path, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Every name field of /etc/hosts equal to {@code oldName} becomes {@code newName}; spacing is kept. */
    private void replaceInEtcHosts(String oldName, String newName) throws IOException {
        byte[] b = writer.mounts().readSmallFile("/etc/hosts", 1 << 20);
        if (b == null) {
            return;
        }
        String text = new String(b, StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder();
        boolean changed = false;
        for (String line : text.split("(?<=\n)")) {
            int hash = line.indexOf('#');
            String body = hash < 0 ? line : line.substring(0, hash);
            String rest = hash < 0 ? "" : line.substring(hash);
            StringBuilder nb = new StringBuilder();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("[^ \\t\\r\\n]+").matcher(body);
            int field = 0;
            int last = 0;
            while (m.find()) {
                nb.append(body, last, m.start());
                String tok = m.group();
                if (field > 0 && tok.equals(oldName)) {  // field 0 is the address
                    nb.append(newName);
                    changed = true;
                } else {
                    nb.append(tok);
                }
                last = m.end();
                field++;
            }
            nb.append(body.substring(last));
            out.append(nb).append(rest);
        }
        if (changed) {
            write("/etc/hosts", out.toString().getBytes(StandardCharsets.UTF_8));
        }
    }
}
