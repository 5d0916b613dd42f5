package dev.platter.inspect.ops;

import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.guest.GuestFile;
import dev.platter.inspect.guest.GuestFileException;
import dev.platter.inspect.guest.Mounts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * virt-sysprep's operations that remove or empty files, on a mounted writable guest (Linux guests: the paths are
 * Linux's). Each operation is what virt-sysprep's operation of the same name does to these paths; Platter has a
 * subset of its operations and of its log file list.
 */
public final class Sysprep {
    /** The operations, by virt-sysprep's names. */
    public enum Operation {
        /** Empties /etc/machine-id (kept, so systemd makes a new one at the next boot rather than failing). */
        MACHINE_ID("machine-id", "Remove the local machine ID"),
        /** Removes /etc/ssh/*_host_* (the host keys; sshd or cloud-init makes new ones). */
        SSH_HOSTKEYS("ssh-hostkeys", "Remove the SSH host keys in the guest"),
        /** Removes the log files of {@link #LOG_FILES}. */
        LOGFILES("logfiles", "Remove many log files from the guest"),
        /** Removes /root/.bash_history and /home/*&#47;.bash_history. */
        BASH_HISTORY("bash-history", "Remove the bash history in the guest"),
        /** Removes /etc/udev/rules.d/70-persistent-net.rules (the MAC address to interface name pinning). */
        UDEV_PERSISTENT_NET("udev-persistent-net", "Remove udev persistent net rules");

        private final String id;
        private final String description;

        Operation(String id, String description) {
            this.id = id;
            this.description = description;
        }

        public String id() {
            return id;
        }

        public String description() {
            return description;
        }

        /** By virt-sysprep's name; an operation Platter does not have is refused by name. */
        public static Operation of(String id) throws IOException {
            String n = id.trim().toLowerCase(Locale.ROOT);
            for (Operation o : values()) {
                if (o.id.equals(n)) {
                    return o;
                }
            }
            StringBuilder all = new StringBuilder();
            for (Operation o : values()) {
                all.append(all.length() == 0 ? "" : ", ").append(o.id);
            }
            throw new IOException("operation '" + id + "' is not supported (Platter has: " + all + ")");
        }
    }

    /**
     * The log files the logfiles operation removes: a subset of virt-sysprep's list (the files that hold host
     * names, addresses and user activity on common distributions), as glob patterns.
     */
    public static final List<String> LOG_FILES = List.of(
            "/var/log/*.log*", "/var/log/audit/*", "/var/log/btmp*", "/var/log/cron*", "/var/log/dmesg*",
            "/var/log/lastlog*", "/var/log/maillog*", "/var/log/mail/*", "/var/log/messages*", "/var/log/secure*",
            "/var/log/spooler*", "/var/log/syslog*", "/var/log/wtmp*", "/var/log/apt/*", "/var/log/installer/*",
            "/var/log/journal/*", "/var/log/anaconda/*", "/var/log/cloud-init*", "/var/log/dnf*",
            "/var/log/tuned/tuned.log*", "/var/log/sa/*", "/var/log/ntpstats/*", "/var/log/unattended-upgrades/*",
            "/root/anaconda-ks.cfg", "/root/install.log*", "/root/original-ks.cfg", "/var/lib/logrotate.status",
            "/var/lib/logrotate/logrotate.status");

    private final GuestWriter writer;
    private final List<String> done = new ArrayList<>();

    public Sysprep(Mounts mounts) {
        this.writer = new GuestWriter(mounts);
    }

    /** One line per path changed ("removed /etc/ssh/ssh_host_rsa_key", "emptied /etc/machine-id"). */
    public List<String> done() {
        return done;
    }

    /** Runs {@code operations} in their declared order. */
    public void run(Collection<Operation> operations) throws IOException {
        for (Operation o : Operation.values()) {
            if (operations.contains(o)) {
                run(o);
            }
        }
    }

    public void run(Operation o) throws IOException {
        switch (o) {
            case MACHINE_ID -> {
                empty("/etc/machine-id");
                empty("/var/lib/dbus/machine-id");
            }
            case SSH_HOSTKEYS -> removeFiles("/etc/ssh/*_host_*");
            case LOGFILES -> {
                for (String p : LOG_FILES) {
                    remove(p);
                }
            }
            case BASH_HISTORY -> {
                removeFiles("/root/.bash_history");
                removeFiles("/home/*/.bash_history");
            }
            case UDEV_PERSISTENT_NET -> removeFiles("/etc/udev/rules.d/70-persistent-net.rules");
        }
    }

    /** A regular file emptied in place (symlinks followed, as virt-sysprep's truncate follows them). */
    private void empty(String path) throws IOException {
        GuestFile f;
        try {
            f = writer.mounts().stat(path);
        } catch (GuestFileException e) {
            return;
        }
        if (f.type() == FileType.REGULAR && f.stat().size() > 0) {
            writer.truncate(GuestWriter.bytes(path), 0);
            done.add("emptied " + f.pathString());
        }
    }

    /** Every non-directory the pattern matches, removed. */
    private void removeFiles(String pattern) throws IOException {
        for (byte[] p : GuestGlob.expand(writer.mounts(), pattern)) {
            GuestFile f = writer.mounts().lstat(p);
            if (!f.isDirectory() && writer.remove(p, false, true)) {
                done.add("removed " + new String(p, StandardCharsets.UTF_8));
            }
        }
    }

    /** Everything the pattern matches, removed (directories with their contents). */
    private void remove(String pattern) throws IOException {
        for (byte[] p : GuestGlob.expand(writer.mounts(), pattern)) {
            GuestFile f = writer.mounts().lstat(p);
            if (f.isDirectory() && writer.mounts().isMountPoint(f)) {
                continue;  // a separate filesystem mounted there: leave it
            }
            if (writer.remove(p, true, true)) {
                done.add("removed " + new String(p, StandardCharsets.UTF_8));
            }
        }
    }
}
