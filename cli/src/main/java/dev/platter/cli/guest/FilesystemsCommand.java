package dev.platter.cli.guest;

import dev.platter.cli.CliException;
import dev.platter.cli.output.ColumnTable;
import dev.platter.cli.output.Csv;
import dev.platter.cli.output.HumanSize;
import dev.platter.inspect.guest.DetectedFilesystem;
import dev.platter.inspect.guest.Guest;
import dev.platter.inspect.guest.GuestDevice;
import dev.platter.inspect.lvm.LogicalVolume;
import dev.platter.inspect.lvm.PhysicalVolume;
import dev.platter.inspect.lvm.VolumeGroup;
import dev.platter.inspect.volume.Partition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code platter filesystems}: virt-filesystems. Lists filesystems (by default), partitions, block devices, LVs,
 * VGs and PVs, short (names only) or long (a table, or CSV), in virt-filesystems' row order and layout.
 */
@Command(name = "filesystems", sortOptions = false,
        description = "List filesystems, partitions, block devices, LVM in a guest (like virt-filesystems).")
public final class FilesystemsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    GuestArgs guest;

    @Option(names = "--all", description = "Display everything.")
    boolean all;

    @Option(names = "--filesystems", description = "Display mountable filesystems (the default).")
    boolean filesystems;

    @Option(names = "--extra", description = "Display swap and data filesystems too.")
    boolean extra;

    @Option(names = {"--parts", "--partitions"}, description = "Display partitions.")
    boolean partitions;

    @Option(names = {"--blkdevs", "--block-devices"}, description = "Display block devices.")
    boolean blockDevices;

    @Option(names = {"--lvs", "--logvols", "--logical-volumes"}, description = "Display LVM logical volumes.")
    boolean lvs;

    @Option(names = {"--vgs", "--volgroups", "--volume-groups"}, description = "Display LVM volume groups.")
    boolean vgs;

    @Option(names = {"--pvs", "--physvols", "--physical-volumes"}, description = "Display LVM physical volumes.")
    boolean pvs;

    @Option(names = {"-l", "--long"}, description = "Long output.")
    boolean longMode;

    @Option(names = {"-h", "--human-readable"}, description = "Human-readable sizes in --long output.")
    boolean human;

    @Option(names = "--csv", description = "Output as Comma-Separated Values.")
    boolean csv;

    @Option(names = {"--uuid", "--uuids"}, description = "Add UUIDs to --long output.")
    boolean uuid;

    @Option(names = "--no-title", description = "No title in --long output.")
    boolean noTitle;

    @Option(names = "--help", usageHelp = true, description = "Show this help.")
    boolean help;

    private boolean colType;
    private boolean colVfs;
    private boolean colMbr;
    private boolean colSize;
    private boolean colParents;
    private boolean colUuid;
    private final List<String[]> rows = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (human && csv) {
            throw new CliException("you cannot use -h and --csv options together.");
        }
        boolean showFs = all || filesystems || extra || !(partitions || blockDevices || lvs || vgs || pvs);
        boolean showExtra = all || extra;
        boolean showParts = all || partitions;
        if (longMode) {
            colType = colSize = colParents = true;
            colVfs = showFs;
            colMbr = showParts;
            colUuid = uuid;
        }
        PrintWriter out = spec.commandLine().getOut();
        try (Guest g = guest.open()) {
            if (longMode && !noTitle) {
                row("Name", "Type", "VFS", "Label", "MBR", "Size", "Parent", "UUID");
            }
            if (showFs) {
                for (DetectedFilesystem fs : g.filesystems()) {
                    if (!showExtra && (fs.type().equals("swap") || fs.type().equals("unknown"))) {
                        continue;
                    }
                    row(fs.name(), "filesystem", fs.type(), fs.label(), null, size(colSize ? fs.size() : -1), "",
                            fs.uuid());
                }
            }
            if (all || lvs) {
                for (GuestDevice d : g.logicalVolumes()) {
                    LogicalVolume lv = d.logicalVolume();
                    row(d.name(), "lv", null, null, null, size(lv.size()), "/dev/" + lv.volumeGroup().name(),
                            lv.uuid());
                }
            }
            if (all || vgs) {
                for (VolumeGroup vg : g.volumeGroups()) {
                    List<String> parents = new ArrayList<>();
                    for (PhysicalVolume pv : vg.physicalVolumes()) {
                        parents.add(pv.deviceName());
                    }
                    row("/dev/" + vg.name(), "vg", null, null, null, size(vg.size()), String.join(",", parents),
                            vg.metadata().compactId());
                }
            }
            if (all || pvs) {
                for (PhysicalVolume pv : g.physicalVolumes()) {
                    VolumeGroup vg = g.volumeGroupOf(pv);
                    long pvSize = pvSize(vg, pv);
                    row(pv.deviceName(), "pv", null, null, null, size(pvSize), "", pv.uuid());
                }
            }
            if (showParts) {
                for (GuestDevice d : g.partitions()) {
                    Partition p = d.partition();
                    row(d.name(), "partition", null, null, p.mbrId(), size(p.length()), d.disk().name(), null);
                }
            }
            if (all || blockDevices) {
                for (GuestDevice d : g.wholeDisks()) {
                    row(d.name(), "device", null, null, null, size(d.size()), "", null);
                }
            }
            guest.printWarnings(g, spec.commandLine().getErr());
            if (longMode) {
                guest.printReplays(g, spec.commandLine().getErr());
            }
        }
        print(out);
        return 0;
    }

    private static long pvSize(VolumeGroup vg, PhysicalVolume pv) {
        if (vg != null) {
            for (var p : vg.metadata().pvs()) {
                if (p.uuid().equals(pv.uuid())) {
                    return p.peCount() * vg.metadata().extentSize();
                }
            }
        }
        return Math.max(0, pv.device().size() - pv.label().peStart());
    }

    private String size(long bytes) {
        if (bytes < 0) {
            return null;
        }
        return human ? HumanSize.of(bytes) : Long.toString(bytes);
    }

    /** Keeps the cells of the displayed columns, in virt-filesystems' column order. */
    private void row(String name, String type, String vfs, String label, String mbr, String size, String parents,
                     String uuidCell) {
        List<String> cells = new ArrayList<>();
        cells.add(name);
        if (colType) {
            cells.add(type);
        }
        if (colVfs) {
            cells.add(vfs);
            cells.add(label);
        }
        if (colMbr) {
            cells.add(mbr);
        }
        if (colSize) {
            cells.add(size);
        }
        if (colParents) {
            cells.add(parents);
        }
        if (colUuid) {
            cells.add(uuidCell);
        }
        rows.add(cells.toArray(new String[0]));
    }

    private void print(PrintWriter out) {
        if (csv) {
            for (String[] r : rows) {
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < r.length; i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    if (r[i] != null) {
                        sb.append(Csv.field(r[i]));
                    }
                }
                out.print(sb.append('\n'));
            }
            return;
        }
        if (rows.isEmpty()) {
            return;
        }
        ColumnTable t = new ColumnTable(rows.get(0).length);
        for (String[] r : rows) {
            t.add(r);
        }
        out.print(t.render());
    }
}
