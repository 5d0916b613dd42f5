package dev.platter.cli.guest;

import dev.platter.cli.CliException;
import dev.platter.cli.UntrustedOption;
import dev.platter.core.image.OpenOptions;
import dev.platter.libvirt.DeclaredFormats;
import dev.platter.inspect.guest.DiskSpec;
import dev.platter.inspect.guest.DetectedFilesystem;
import dev.platter.inspect.guest.Guest;
import dev.platter.inspect.guest.GuestOptions;
import dev.platter.inspect.guest.Mounts;
import dev.platter.inspect.volume.PartitionTables;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The options every guest command shares, with libguestfs's names and meaning: {@code -a IMAGE} (repeatable; the
 * first is /dev/sda), {@code --format=FMT} pinning the format of the images added after it (plain {@code --format}
 * goes back to probing), {@code -d DOMAIN} and {@code -c URI} to take a libvirt domain's disks with their declared
 * formats instead, {@code -m DEV[:MOUNTPOINT]} to mount by hand instead of inspecting, and
 * {@code --blocksize=512|4096}, the LUKS passphrases ({@link GuestKeyOptions}: {@code --key},
 * {@code --keys-from-stdin}); and Platter's {@code --no-replay}: read journaled filesystems as they stand on disk,
 * as {@code mount -o norecovery} would, instead of replaying their journal in memory as the kernel (and so
 * libguestfs) does when it mounts them.
 */
public final class GuestArgs {
    private final List<DiskSpec> disks = new ArrayList<>();
    private final List<String> mountSpecs = new ArrayList<>();
    private String format;
    private int blocksize = PartitionTables.PROBE;
    private int printedWarnings;
    private DomainDisks fromDomain;

    @Option(names = {"-a", "--add"}, paramLabel = "IMAGE", parameterConsumer = InOrder.class,
            description = "Add a disk image (repeat for more disks).")
    void add(String image) {
        disks.add(new DiskSpec(Path.of(image), format));
    }

    @Option(names = {"-d", "--domain"}, paramLabel = "NAME|UUID",
            description = "Add the disks of this libvirt domain, each with the format its <driver type> declares"
                    + " (never probed); a running domain's disks are read sharing QEMU's locks.")
    String domain;

    @Option(names = {"-c", "--connect"}, paramLabel = "URI",
            description = "libvirt URI for -d (default: virsh's, e.g. qemu:///system as root).")
    String connect;

    @Option(names = "--format", arity = "0..1", fallbackValue = "", paramLabel = "FMT",
            parameterConsumer = InOrder.class,
            description = "Pin the format of the images added after it (raw, qcow2 ...); without a value, probe.")
    void format(String fmt) {
        format = fmt == null || fmt.isEmpty() ? null : fmt;
    }

    @Option(names = {"-m", "--mount"}, paramLabel = "DEV[:MOUNTPOINT]", parameterConsumer = InOrder.class,
            description = "Mount DEV at MOUNTPOINT (default /) instead of inspecting the guest; repeatable.")
    void mount(String spec) {
        mountSpecs.add(spec);
    }

    @Option(names = "--blocksize", arity = "0..1", fallbackValue = "512", paramLabel = "512|4096",
            parameterConsumer = InOrder.class,
            description = "Logical sector size of the disks (default: probed from their partition tables).")
    void blocksize(String value) {
        int size;
        try {
            size = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            size = -1;
        }
        if (size != 512 && size != 4096) {
            throw new CliException("--blocksize must be 512 or 4096, not " + value);
        }
        blocksize = size;
    }

    @Option(names = "--no-replay", description = "Do not replay the journal of a filesystem that needs recovery:"
            + " show what is on disk (as mount -o norecovery does; a warning says so). By default the journal is"
            + " replayed in memory, as the kernel does when it mounts; the image is never written.")
    boolean noReplay;

    @Option(names = "--replay", description = "Writing commands: when a filesystem's journal needs recovery (the"
            + " guest crashed), replay it onto the disk first, as e2fsck does; without it such a filesystem is"
            + " refused for writing.")
    boolean replayInPlace;

    @Mixin
    UntrustedOption untrusted;

    @Mixin
    GuestKeyOptions keys;

    public List<DiskSpec> disks() {
        return disks;
    }

    /**
     * virt-df's name for the guest: the domain's name with -d, else the first image's base name plus one '+' per
     * further image. Valid after {@link #open()}.
     */
    public String displayName() {
        if (fromDomain != null) {
            return fromDomain.name();
        }
        String first = disks.get(0).path().getFileName().toString();
        return first + "+".repeat(disks.size() - 1);
    }

    /** The disks of -d, read from libvirt; whether the domain runs decides how they are locked. */
    private DomainDisks domainDisks() throws IOException {
        if (domain == null) {
            return null;
        }
        if (!disks.isEmpty()) {
            throw new CliException("-a and -d cannot be used together");
        }
        return DomainDisks.read(connect, domain);
    }

    /** True when LUKS passphrases are read from stdin (--keys-from-stdin). */
    public boolean readsKeysFromStdin() {
        return keys.keysFromStdin;
    }

    /** True when -m was given. */
    public boolean hasMounts() {
        return !mountSpecs.isEmpty();
    }

    /**
     * Opens the guest, or fails with the virt tools' message when neither -a nor -d was given. LUKS volumes are
     * opened with the keys given (--key, --keys-from-stdin); none is asked for on the terminal.
     */
    public Guest open() throws IOException {
        return open(false);
    }

    /**
     * Opens the guest as {@link #open()} does; with {@code askForKeys} (the commands that inspect the guest, as
     * virt-ls, virt-cat and virt-inspector do), a LUKS volume no key is given for is asked for on the terminal when
     * there is one.
     */
    public Guest open(boolean askForKeys) throws IOException {
        try {
            keys.check();
            return openDisks(askForKeys, false);
        } finally {
            keys.close();  // the opened volumes hold their volume keys; the passphrases are no longer needed
        }
    }

    /**
     * Opens the guest read-write, for the commands that write into it (copy-in, tar-in, customize ...): the images
     * under qemu's write lock (a running qemu holding one makes this fail with qemu's lock error), LUKS volumes
     * opened with the keys given or asked for on the terminal. Refused for a running -d domain, as libguestfs
     * refuses it, and with --no-replay (a journal that needs recovery must be replayed before anything is written,
     * which --replay asks for).
     */
    public Guest openWritable() throws IOException {
        try {
            keys.check();
            return openDisks(true, true);
        } finally {
            keys.close();
        }
    }

    private Guest openDisks(boolean askForKeys, boolean writable) throws IOException {
        if (replayInPlace && !writable) {
            throw new CliException("--replay only applies to the commands that write (reading replays a journal in"
                    + " memory by default)");
        }
        if (writable && noReplay) {
            throw new CliException("--no-replay cannot be used when writing into a guest (a journal that needs"
                    + " recovery must be replayed before anything is written)");
        }
        fromDomain = domainDisks();
        if (disks.isEmpty() && fromDomain == null) {
            throw new CliException("you must specify at least one -a or -d option");
        }
        if (writable && fromDomain != null && fromDomain.running()) {
            throw new CliException("error: domain '" + fromDomain.name() + "' is a live virtual machine. Writing to"
                    + " the disks of a running virtual machine can cause disk corruption: shut it down first");
        }
        GuestOptions options = GuestOptions.defaults().withSectorSize(blocksize);
        options = options.withFsOptions(options.fsOptions().withReplayJournal(!noReplay)
                // Writing: a journal that needs recovery is replayed onto the disk first only when asked (--replay),
                // as e2fsck would; otherwise the writer refuses the filesystem by name.
                .withReplayInPlace(writable && replayInPlace));
        OpenOptions open = untrusted.apply(options.openOptions());
        if (fromDomain != null) {
            // Backing images too open with the formats the domain declares or the images record, never probed.
            open = open.withResolver(DeclaredFormats.of(open.resolver(), fromDomain.declared()));
            if (fromDomain.running()) {
                // QEMU holds the write lock of a running guest's disks: reading them means sharing it (as --ro).
                open = open.withForceShare(true);
            }
        }
        options = options.withOpenOptions(open).withKeys(keys.keys(askForKeys)).withWritable(writable);
        return Guest.open(fromDomain != null ? fromDomain.disks() : disks, options);
    }

    /**
     * The guest's filesystems mounted as the virt tools mount them: the -m list in order, or else the inspected
     * operating system with its /etc/fstab. Mount problems of non-root entries are warnings.
     */
    public Mounts mount(Guest guest, PrintWriter err) throws IOException {
        Mounts m;
        try {
            m = mountAll(guest);
        } finally {
            printWarnings(guest, err);
        }
        for (String w : m.warnings()) {
            err.println("platter: warning: " + w);
        }
        if (!m.warnings().isEmpty() && !hasMounts()) {
            err.println("platter: some filesystems could not be mounted (ignored)");
        }
        return m;
    }

    private Mounts mountAll(Guest guest) throws IOException {
        Mounts m;
        if (mountSpecs.isEmpty()) {
            m = guest.mountOperatingSystem();
        } else {
            m = guest.mounts();
            for (String spec : mountSpecs) {
                String[] f = spec.split(":", 4);
                String device = f[0];
                String mountpoint = f.length > 1 && !f[1].isEmpty() ? f[1] : "/";
                try {
                    m.mount(device, mountpoint);
                } catch (IOException e) {
                    throw new CliException("'" + device + "' could not be mounted: " + e.getMessage()
                            + suggestions(guest));
                }
            }
        }
        return m;
    }

    private static String suggestions(Guest guest) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (DetectedFilesystem fs : guest.filesystems()) {
            if (fs.isMountable()) {
                sb.append(sb.length() == 0 ? ". Did you mean one of: " : ", ").append(fs.name()).append(" (")
                        .append(fs.type()).append(')');
            }
        }
        return sb.toString();
    }

    /**
     * Says on stderr, one line per filesystem, which journals were replayed in memory when they were opened
     * ("platter: note: /dev/sda1: journal replayed in memory: ..."), so that a listing of a crashed guest tells how
     * it was read; stdout stays what libguestfs prints.
     */
    public void printReplays(Guest guest, PrintWriter err) throws IOException {
        for (DetectedFilesystem fs : guest.filesystems()) {
            if (fs.isMountable() && fs.fileSystem().journalReplay() != null) {
                err.println("platter: note: " + fs.name() + ": " + fs.fileSystem().journalReplay());
            }
        }
    }

    /** Prints the guest's warnings (damaged tables, missing PVs ...) not printed yet, on stderr. */
    public void printWarnings(Guest guest, PrintWriter err) {
        List<String> all = guest.warnings();
        for (int i = printedWarnings; i < all.size(); i++) {
            err.println("platter: warning: " + all.get(i));
        }
        printedWarnings = all.size();
    }
}
