package dev.platter.inspect.guest;

import dev.platter.core.BlockDevice;
import dev.platter.core.CorruptImageException;
import dev.platter.core.crypto.Secret;
import dev.platter.core.crypto.WrongPassphraseException;
import dev.platter.core.crypto.luks.LuksDevice;
import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.inspect.lvm.LogicalVolume;
import dev.platter.inspect.lvm.LvmScanner;
import dev.platter.inspect.lvm.PhysicalVolume;
import dev.platter.inspect.lvm.PvLabel;
import dev.platter.inspect.lvm.VolumeGroup;
import dev.platter.inspect.volume.Partition;
import dev.platter.inspect.volume.PartitionTable;
import dev.platter.inspect.volume.PartitionTables;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A guest: one or several disks (any image format Platter opens) seen as the guest's kernel would see them. Opening
 * reads the partition tables and PV labels and assembles the VGs across all the disks; filesystems are identified
 * on first use, through the {@link dev.platter.inspect.fs.FileSystemDriver}s on the class path. Read-only unless
 * {@link GuestOptions#writable()}: then the images are opened read-write under qemu's write lock, partitions, LVs and
 * LUKS payloads are writable slices of them, and each filesystem that is mounted is reopened through its driver's
 * writer ({@link DetectedFilesystem#writableFileSystem()}); {@link #close()} commits every one of them before it
 * flushes and closes the images. Names follow libguestfs: /dev/sda, /dev/sda1, /dev/VG/LV.
 *
 * <p>LUKS volumes are opened, read-only, with the passphrases {@link GuestOptions#keys()} gives, as virt-ls,
 * virt-cat and virt-inspector open them: first those on partitions (and unpartitioned disks), whose payloads are then
 * scanned for PVs like any other device, then those on LVs; each payload is a device named /dev/mapper/luks-UUID.
 * A volume without a passphrase stays locked (with a warning); one that none of its passphrases opens fails the
 * open with a {@link WrongPassphraseException}.
 *
 * <pre>{@code
 * try (Guest g = Guest.open(List.of(new DiskSpec(Path.of("vm.qcow2"), null)), GuestOptions.defaults())) {
 *     for (DetectedFilesystem fs : g.filesystems()) System.out.println(fs.name() + " " + fs.type());
 *     Mounts m = g.mountOperatingSystem();                 // root and /etc/fstab, as virt-cat -a does
 *     byte[] hostname = m.readSmallFile("/etc/hostname", 4096);
 * }
 * }</pre>
 */
public final class Guest implements Closeable {
    /** GPT types that never hold a filesystem Linux would mount (LDM metadata and data, MS reserved, snapshots). */
    private static final Set<UUID> NOT_FILESYSTEMS = Set.of(
            UUID.fromString("5808c8aa-7e8f-42e0-85d2-e1e90434cfb3"),
            UUID.fromString("af9b60a0-1431-4f62-bc68-3311714a69ad"),
            UUID.fromString("e3c9e316-0b5c-4db8-817d-f92df00215ae"),
            UUID.fromString("caddebf1-4400-4de8-b103-12117dcf3ccf"));
    private static final Pattern XDEV = Pattern.compile("^/dev/(h|s|v|xv)d([a-z]+)(\\d*)$");

    private final GuestOptions options;
    private final List<GuestDisk> disks;
    private final List<GuestDevice> wholeDisks;
    private final List<GuestDevice> partitions;
    private final List<PhysicalVolume> pvs;
    private final List<VolumeGroup> vgs;
    private final List<GuestDevice> lvs;
    private final List<GuestDevice> mapped;
    private final List<String> warnings;
    private List<DetectedFilesystem> filesystems;

    private Guest(GuestOptions options, List<GuestDisk> disks, List<GuestDevice> wholeDisks,
                  List<GuestDevice> partitions, List<PhysicalVolume> pvs, List<VolumeGroup> vgs,
                  List<GuestDevice> lvs, List<GuestDevice> mapped, List<String> warnings) {
        this.options = options;
        this.disks = disks;
        this.wholeDisks = wholeDisks;
        this.partitions = partitions;
        this.pvs = pvs;
        this.vgs = vgs;
        this.lvs = lvs;
        this.mapped = mapped;
        this.warnings = warnings;
    }

    /**
     * Opens the disks, in order (the first is /dev/sda): read-only, or read-write when {@link GuestOptions#writable()}
     * (a qcow2 overlay then takes the writes in its top layer, its backing files stay read-only).
     */
    public static Guest open(List<DiskSpec> specs, GuestOptions options) throws IOException {
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("a guest needs at least one disk");
        }
        List<Image> images = new ArrayList<>();
        try {
            for (DiskSpec spec : specs) {
                OpenOptions o = imageOptions(options).withFormat(spec.format());
                images.add(Images.open(spec.path(), spec.path().toString(), o));
            }
            return assemble(specs, images, options);
        } catch (IOException | RuntimeException e) {
            for (Image i : images) {
                try {
                    i.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /** How the images are opened: read-only (sharing as asked), or read-write under the standard write lock. */
    private static OpenOptions imageOptions(GuestOptions options) {
        OpenOptions o = options.openOptions();
        if (!options.writable()) {
            return o.withReadOnly(true);
        }
        if (o.locking() == OpenOptions.Locking.FORCE_SHARE) {
            o = o.withLocking(OpenOptions.Locking.STANDARD);  // a writer shares nothing (qemu refuses -U for it)
        }
        return o.withReadOnly(false);
    }

    private static Guest assemble(List<DiskSpec> specs, List<Image> images, GuestOptions options) throws IOException {
        List<String> warnings = new ArrayList<>();
        List<GuestDisk> disks = new ArrayList<>();
        List<GuestDevice> wholeDisks = new ArrayList<>();
        List<GuestDevice> partitions = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            Image img = images.get(i);
            String name = DeviceNames.disk(i);
            List<String> w = new ArrayList<>();
            PartitionTable table = PartitionTables.read(img, options.sectorSize(), w);
            if (table != null) {
                w.addAll(table.warnings());
            }
            for (String s : w) {
                warnings.add(name + ": " + s);
            }
            GuestDisk disk = new GuestDisk(i, name, specs.get(i).path(), img, table);
            disks.add(disk);
            wholeDisks.add(GuestDevice.ofDisk(disk));
            if (table != null) {
                for (Partition p : table.partitions()) {
                    partitions.add(GuestDevice.ofPartition(disk, p));
                }
            }
        }
        List<GuestDevice> mapped = new ArrayList<>();
        try {
            return assemble(options, disks, wholeDisks, partitions, mapped, warnings);
        } catch (IOException | RuntimeException e) {
            closeAll(mapped, e);
            throw e;
        }
    }

    private static Guest assemble(GuestOptions options, List<GuestDisk> disks, List<GuestDevice> wholeDisks,
                                  List<GuestDevice> partitions, List<GuestDevice> mapped, List<String> warnings)
            throws IOException {
        List<GuestDevice> candidates = pvCandidates(wholeDisks, partitions);
        // Partitions first, in disk order, as libguestfs asks for their keys; then unpartitioned disks (which
        // libguestfs never opens), so that a key read per volume goes to the same volume as with libguestfs.
        List<GuestDevice> luksOrder = new ArrayList<>();
        for (GuestDevice d : candidates) {
            if (d.kind() == GuestDevice.Kind.PARTITION) {
                luksOrder.add(d);
            }
        }
        for (GuestDevice d : candidates) {
            if (d.kind() == GuestDevice.Kind.DISK) {
                luksOrder.add(d);
            }
        }
        for (GuestDevice d : luksOrder) {
            GuestDevice m = unlock(d, options.keys(), options.writable(), mapped, warnings);
            if (m != null) {
                mapped.add(m);
            }
        }
        candidates.addAll(mapped);
        List<PhysicalVolume> pvs = new ArrayList<>();
        for (GuestDevice d : candidates) {
            try {
                PvLabel label = PvLabel.find(d.device());
                if (label != null) {
                    pvs.add(new PhysicalVolume(d.name(), d.device(), label));
                }
            } catch (CorruptImageException e) {
                warnings.add(d.name() + ": " + e.getMessage());
            }
        }
        pvs.sort(Comparator.comparing(PhysicalVolume::deviceName));
        List<VolumeGroup> vgs = LvmScanner.assemble(pvs, warnings);
        List<GuestDevice> lvs = new ArrayList<>();
        for (VolumeGroup vg : vgs) {
            for (LogicalVolume lv : vg.logicalVolumes()) {
                lvs.add(GuestDevice.ofLv(lv));
            }
        }
        lvs.sort(Comparator.comparing(GuestDevice::name));
        // LUKS on LVs: opened after the LVs are found; like libguestfs, their payloads are not scanned for PVs.
        for (GuestDevice lv : lvs) {
            if (lv.logicalVolume().unsupportedType() == null) {
                GuestDevice m = unlock(lv, options.keys(), options.writable(), mapped, warnings);
                if (m != null) {
                    mapped.add(m);
                }
            }
        }
        return new Guest(options, List.copyOf(disks), List.copyOf(wholeDisks), List.copyOf(partitions),
                List.copyOf(pvs), List.copyOf(vgs), lvs, List.copyOf(mapped), warnings);
    }

    /**
     * Opens the LUKS volume on {@code d}, if it holds one and a passphrase is given for it: the payload as
     * /dev/mapper/luks-UUID. Null when {@code d} holds no LUKS volume or it stays locked.
     */
    private static GuestDevice unlock(GuestDevice d, GuestKeys keys, boolean writable, List<GuestDevice> opened,
                                      List<String> warnings) throws IOException {
        BlockDevice dev;
        try {
            dev = d.device();
            if (!LuksDevice.isLuks(dev)) {
                return null;
            }
        } catch (IOException e) {
            return null;  // an LV that cannot be built: filesystems() says why
        }
        String uuid;
        try {
            uuid = LuksDevice.uuid(dev);
        } catch (IOException e) {
            warnings.add(d.name() + ": LUKS volume left locked: " + e.getMessage());
            return null;
        }
        List<Secret> passphrases = keys.passphrases(d.name(), uuid);
        if (passphrases.isEmpty()) {
            warnings.add(d.name() + ": LUKS volume " + uuid + " left locked: no passphrase given for it");
            return null;
        }
        String name = GuestDevice.mapperName(uuid);
        for (GuestDevice o : opened) {
            if (o.name().equals(name)) {
                warnings.add(d.name() + ": LUKS volume " + uuid + " left locked: " + o.encryptedDevice().name()
                        + " has the same UUID and is open as " + name);
                return null;
            }
        }
        for (Secret passphrase : passphrases) {
            try {
                return GuestDevice.ofMapped(d, uuid, LuksDevice.open(dev, passphrase, writable));
            } catch (dev.platter.core.UnsupportedFeatureException e) {
                if (!writable) {
                    throw new IOException(d.name() + ": cannot open the LUKS volume: " + e.getMessage(), e);
                }
                // A volume core can only read (LUKS2): the rest of the guest stays writable, this one is read.
                try {
                    GuestDevice m = GuestDevice.ofMapped(d, uuid, LuksDevice.open(dev, passphrase, false));
                    warnings.add(d.name() + ": LUKS volume " + uuid + " opened read-only: " + e.getMessage());
                    return m;
                } catch (WrongPassphraseException wrong) {
                    // try the next one
                }
            } catch (WrongPassphraseException e) {
                // try the next one, as libguestfs does
            } catch (IOException e) {
                throw new IOException(d.name() + ": cannot open the LUKS volume: " + e.getMessage(), e);
            }
        }
        throw new WrongPassphraseException("could not find key to open LUKS encrypted " + d.name()
                + ": No key available with this passphrase");
    }

    private static void closeAll(List<GuestDevice> devices, Exception e) {
        for (GuestDevice d : devices) {
            try {
                d.device().close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
        }
    }

    private static List<GuestDevice> pvCandidates(List<GuestDevice> wholeDisks, List<GuestDevice> partitions) {
        List<GuestDevice> out = new ArrayList<>();
        for (GuestDevice d : wholeDisks) {
            if (d.disk().table() == null) {
                out.add(d);
            }
        }
        for (GuestDevice p : partitions) {
            if (!p.partition().isExtended()) {
                out.add(p);
            }
        }
        return out;
    }

    public GuestOptions options() {
        return options;
    }

    /** True when the guest was opened read-write ({@link GuestOptions#writable()}). */
    public boolean isWritable() {
        return options.writable();
    }

    public List<GuestDisk> disks() {
        return disks;
    }

    /** The whole disks, /dev/sda first. */
    public List<GuestDevice> wholeDisks() {
        return wholeDisks;
    }

    /** Every partition Linux would expose (extended ones included), disk by disk, in number order. */
    public List<GuestDevice> partitions() {
        return partitions;
    }

    /** The PVs found, sorted by device name (as lvm pvs sorts them). */
    public List<PhysicalVolume> physicalVolumes() {
        return pvs;
    }

    public List<VolumeGroup> volumeGroups() {
        return vgs;
    }

    /** The user-visible LVs of every VG, sorted by /dev/VG/LV. */
    public List<GuestDevice> logicalVolumes() {
        return lvs;
    }

    /** The opened LUKS volumes (/dev/mapper/luks-UUID), in the order they were opened. */
    public List<GuestDevice> mappedDevices() {
        return mapped;
    }

    /**
     * The device-mapper devices in the order the libguestfs appliance creates them, which gives their minor numbers
     * (253:0, 253:1 ...): the LVs of VGs on plain PVs (activated at boot; VGs by name, LVs in metadata order), the
     * LUKS volumes on partitions and disks (opened in that order), the LVs of VGs with a PV inside one (activated by
     * the rescan that follows), then the LUKS volumes on LVs.
     */
    public List<GuestDevice> deviceMapperOrder() {
        List<GuestDevice> out = new ArrayList<>();
        List<VolumeGroup> byName = new ArrayList<>(vgs);
        byName.sort(Comparator.comparing(VolumeGroup::name));
        Set<String> mappedNames = new HashSet<>();
        for (GuestDevice m : mapped) {
            mappedNames.add(m.name());
        }
        for (boolean onLuks : new boolean[] {false, true}) {
            if (onLuks) {
                for (GuestDevice m : mapped) {
                    if (m.encryptedDevice().kind() != GuestDevice.Kind.LV) {
                        out.add(m);
                    }
                }
            }
            for (VolumeGroup vg : byName) {
                boolean hasLuksPv = vg.physicalVolumes().stream().anyMatch(pv -> mappedNames.contains(pv.deviceName()));
                if (hasLuksPv != onLuks) {
                    continue;
                }
                for (LogicalVolume l : vg.logicalVolumes()) {
                    for (GuestDevice d : lvs) {
                        if (d.logicalVolume() == l) {
                            out.add(d);
                        }
                    }
                }
            }
        }
        for (GuestDevice m : mapped) {
            if (m.encryptedDevice().kind() == GuestDevice.Kind.LV) {
                out.add(m);
            }
        }
        return out;
    }

    /** Problems met that did not stop the work (damaged tables, bad metadata copies, missing PVs ...). */
    public List<String> warnings() {
        return Collections.unmodifiableList(warnings);
    }

    /** Records a problem met while working on this guest (inspection, fstab ...). */
    synchronized void warn(String warning) {
        if (!warnings.contains(warning)) {
            warnings.add(warning);
        }
    }

    /** The VG a PV belongs to, or null for an orphan PV. */
    public VolumeGroup volumeGroupOf(PhysicalVolume pv) {
        for (VolumeGroup vg : vgs) {
            if (vg.physicalVolumes().contains(pv)) {
                return vg;
            }
        }
        return null;
    }

    /**
     * Every filesystem, in libguestfs's order (list-filesystems): unpartitioned whole disks, opened LUKS volumes
     * (by name), partitions, then LVs. Swap, FAT and the like are included; so are devices holding nothing
     * recognisable, as type "unknown". Containers (PVs, RAID members, LUKS) and MBR extended partitions are not.
     * LVs of unsupported types are left out with a warning.
     */
    public synchronized List<DetectedFilesystem> filesystems() throws IOException {
        if (filesystems == null) {
            List<DetectedFilesystem> out = new ArrayList<>();
            Set<String> pvDevices = new java.util.HashSet<>();
            for (PhysicalVolume pv : pvs) {
                pvDevices.add(pv.deviceName());
            }
            List<GuestDevice> candidates = new ArrayList<>();
            for (GuestDevice d : wholeDisks) {
                if (d.disk().table() == null) {
                    candidates.add(d);
                }
            }
            List<GuestDevice> byName = new ArrayList<>(mapped);
            byName.sort(Comparator.comparing(GuestDevice::name));
            candidates.addAll(byName);
            for (GuestDevice p : partitions) {
                Partition part = p.partition();
                if (!part.isExtended() && (part.typeGuid() == null || !NOT_FILESYSTEMS.contains(part.typeGuid()))) {
                    candidates.add(p);
                }
            }
            candidates.addAll(lvs);
            for (GuestDevice d : candidates) {
                if (pvDevices.contains(d.name())) {
                    continue;
                }
                if (d.kind() == GuestDevice.Kind.LV && d.logicalVolume().unsupportedType() != null) {
                    warnings.add(d.name() + ": LVM segment type '" + d.logicalVolume().unsupportedType()
                            + "' is not supported; its contents are not read");
                    continue;
                }
                try {
                    DetectedFilesystem fs = DetectedFilesystem.identify(d, options.fsOptions(), options.writable(),
                            warnings);
                    if (fs != null) {
                        out.add(fs);
                    }
                } catch (IOException e) {
                    warnings.add(d.name() + ": " + e.getMessage());
                }
            }
            filesystems = List.copyOf(out);
        }
        return filesystems;
    }

    /** The filesystem on the device named {@code spec} (any name {@link #canonicalDevice} accepts), or null. */
    public DetectedFilesystem filesystem(String spec) throws IOException {
        String name = canonicalDevice(spec);
        if (name == null) {
            return null;
        }
        for (DetectedFilesystem fs : filesystems()) {
            if (fs.name().equals(name)) {
                return fs;
            }
        }
        return null;
    }

    /** The device named {@code name} (libguestfs's canonical name), or null. */
    public GuestDevice device(String name) {
        for (List<GuestDevice> list : List.of(wholeDisks, partitions, lvs, mapped)) {
            for (GuestDevice d : list) {
                if (d.name().equals(name)) {
                    return d;
                }
            }
        }
        return null;
    }

    /**
     * libguestfs's name for a device the user or a guest config names: /dev/vda1, /dev/hda1 and /dev/xvda1 are
     * /dev/sda1; /dev/mapper/VG-LV (dashes doubled) is /dev/VG/LV; /dev/mapper/luks-UUID is an opened LUKS volume.
     * Null when no device has that name.
     */
    public String canonicalDevice(String spec) {
        Matcher m = XDEV.matcher(spec);
        if (m.matches()) {
            String name = "/dev/sd" + m.group(2) + m.group(3);
            return device(name) != null ? name : null;
        }
        if (spec.startsWith("/dev/mapper/")) {
            String dm = spec.substring("/dev/mapper/".length());
            for (GuestDevice lv : lvs) {
                if (lv.logicalVolume().mapperName().equals(dm)) {
                    return lv.name();
                }
            }
            for (GuestDevice luks : mapped) {
                if (luks.name().equals(spec)) {
                    return spec;
                }
            }
            return null;
        }
        return device(spec) != null ? spec : null;
    }

    /**
     * The name libguestfs prints for a device name (canonical-device-name): /dev/vda1, /dev/hda1 and /dev/xvda1
     * become /dev/sda1 whether or not they exist, /dev/mapper/VG-LV becomes /dev/VG/LV when that LV exists; other
     * names are unchanged.
     */
    public String displayName(String device) {
        if (device.startsWith("/dev/") && device.indexOf('/', 5) < 0 && device.length() > 5
                && device.charAt(5) != 'm') {
            int d = device.indexOf('d', 5);
            int len = d < 0 ? device.length() - 5 : d - 5;
            if (d >= 0 && len > 0 && len <= 2) {
                return "/dev/sd" + device.substring(d + 1);
            }
        }
        if (device.startsWith("/dev/mapper/")) {
            String lv = canonicalDevice(device);
            return lv != null ? lv : device;
        }
        return device;
    }

    /** The partition whose GPT unique GUID, or MBR "SIGNATURE-NN", is {@code partuuid}, or null. */
    GuestDevice partitionByPartuuid(String partuuid) {
        String want = partuuid.toLowerCase(Locale.ROOT);
        for (GuestDevice p : partitions) {
            PartitionTable t = p.disk().table();
            String id = t.isGpt() ? String.valueOf(p.partition().uniqueGuid())
                    : String.format("%08x-%02x", t.diskSignature(), p.partition().number());
            if (id.equals(want)) {
                return p;
            }
        }
        return null;
    }

    /** The GPT partition named {@code label}, or null. */
    GuestDevice partitionByPartlabel(String label) {
        for (GuestDevice p : partitions) {
            if (p.disk().table().isGpt() && p.partition().name().equals(label)) {
                return p;
            }
        }
        return null;
    }

    /** Finds the operating systems on the guest, as virt-inspector does. */
    public List<OsInfo> inspect() throws IOException {
        return OsInspector.inspect(this);
    }

    /**
     * Mounts the guest's one operating system as virt-cat and virt-ls do without {@code -m}: the root, then every
     * /etc/fstab entry, shortest mount point first. Fails when no OS or several are found.
     */
    public Mounts mountOperatingSystem() throws IOException {
        List<OsInfo> roots = inspect();
        if (roots.isEmpty()) {
            throw new IOException("no operating system was found on this disk (use -m to choose filesystems)");
        }
        if (roots.size() > 1) {
            throw new IOException("multi-boot operating systems are not supported (use -m to choose filesystems)");
        }
        return mount(roots.get(0));
    }

    /** Mounts {@code os}: its root and its /etc/fstab entries. Entries that cannot be mounted become warnings. */
    public Mounts mount(OsInfo os) throws IOException {
        Mounts m = new Mounts(this);
        for (OsInfo.Mountpoint mp : os.mountpointsInMountOrder()) {
            try {
                m.mount(mp.device(), mp.path());
            } catch (IOException e) {
                if (mp.path().equals("/")) {
                    throw e;
                }
                m.warn(mp.device() + " on " + mp.path() + ": " + e.getMessage());
            }
        }
        return m;
    }

    /** An empty mount table, for mounting by hand ({@code -m DEV:MOUNTPOINT}). */
    public Mounts mounts() {
        return new Mounts(this);
    }

    /** The bytes of a device by name, for callers that read devices directly. */
    public BlockDevice blockDevice(String name) throws IOException {
        GuestDevice d = device(canonicalDevice(name) == null ? name : canonicalDevice(name));
        if (d == null) {
            throw new IOException(name + ": no such device");
        }
        return d.device();
    }

    /**
     * Closes the guest: first every filesystem, which for a writable guest commits what was written to it (a
     * filesystem that fails to commit does not keep the others from committing), then the LUKS mappings, then the
     * images, each flushed first when writable. The first failure is thrown once everything is closed.
     */
    @Override
    public void close() throws IOException {
        IOException first = null;
        List<DetectedFilesystem> fss;
        synchronized (this) {
            fss = filesystems;
        }
        if (fss != null) {
            for (DetectedFilesystem fs : fss) {
                try {
                    fs.close();
                } catch (IOException e) {
                    first = first == null ? e : first;
                }
            }
        }
        for (GuestDevice m : mapped) {
            try {
                if (options.writable()) {
                    m.device().flush();
                }
                m.device().close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        for (GuestDisk d : disks) {
            try {
                if (options.writable()) {
                    d.image().flush();
                }
            } catch (IOException e) {
                first = first == null ? e : first;
            }
            try {
                d.image().close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
