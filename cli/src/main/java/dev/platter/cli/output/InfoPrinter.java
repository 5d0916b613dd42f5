package dev.platter.cli.output;

import dev.platter.core.Sizes;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.image.SnapshotInfo;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Prints {@link ImageInfo} as qemu-img 7.2's {@code info} does, in human and JSON form. */
public final class InfoPrinter {
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private InfoPrinter() {
    }

    /** The QAPI ImageInfo object, keys inserted in schema order (the printer reorders them as qemu does). */
    public static Map<String, Object> toJson(ImageInfo info) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("filename", info.filename());
        m.put("format", info.format());
        if (info.dirty() != null) {
            m.put("dirty-flag", info.dirty());
        }
        if (info.actualSize() != null) {
            m.put("actual-size", info.actualSize());
        }
        m.put("virtual-size", info.virtualSize());
        if (info.clusterSize() != null) {
            m.put("cluster-size", info.clusterSize());
        }
        if (info.encrypted()) {
            m.put("encrypted", true);
        }
        if (info.backingFilename() != null) {
            m.put("backing-filename", info.backingFilename());
        }
        if (info.fullBackingFilename() != null) {
            m.put("full-backing-filename", info.fullBackingFilename());
        }
        if (info.backingFormat() != null) {
            m.put("backing-filename-format", info.backingFormat());
        }
        if (!info.snapshots().isEmpty()) {
            List<Object> snaps = new ArrayList<>();
            for (SnapshotInfo s : info.snapshots()) {
                snaps.add(snapshotJson(s));
            }
            m.put("snapshots", snaps);
        }
        if (info.formatSpecificType() != null) {
            Map<String, Object> fs = new LinkedHashMap<>();
            fs.put("type", info.formatSpecificType());
            fs.put("data", info.formatSpecific());
            m.put("format-specific", fs);
        }
        return m;
    }

    static Map<String, Object> snapshotJson(SnapshotInfo s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("name", s.name());
        m.put("vm-state-size", s.vmStateSize());
        m.put("date-sec", s.dateSec());
        m.put("date-nsec", s.dateNsec());
        m.put("vm-clock-sec", s.vmClockNsec() / 1_000_000_000L);
        m.put("vm-clock-nsec", s.vmClockNsec() % 1_000_000_000L);
        if (s.icount() != -1) {
            m.put("icount", s.icount());
        }
        return m;
    }

    /** The human form of one layer. */
    public static String human(ImageInfo info) {
        StringBuilder sb = new StringBuilder();
        sb.append("image: ").append(info.filename()).append('\n');
        sb.append("file format: ").append(info.format()).append('\n');
        sb.append("virtual size: ").append(Sizes.human(info.virtualSize()))
                .append(" (").append(info.virtualSize()).append(" bytes)\n");
        sb.append("disk size: ").append(info.actualSize() == null ? "unavailable" : Sizes.human(info.actualSize()))
                .append('\n');
        if (info.encrypted()) {
            sb.append("encrypted: yes\n");
        }
        if (info.clusterSize() != null) {
            sb.append("cluster_size: ").append(info.clusterSize()).append('\n');
        }
        if (Boolean.TRUE.equals(info.dirty())) {
            sb.append("cleanly shut down: no\n");
        }
        if (info.backingFilename() != null) {
            sb.append("backing file: ").append(info.backingFilename());
            if (info.fullBackingFilename() != null && !info.fullBackingFilename().equals(info.backingFilename())) {
                sb.append(" (actual path: ").append(info.fullBackingFilename()).append(')');
            }
            sb.append('\n');
        }
        if (info.backingFormat() != null) {
            sb.append("backing file format: ").append(info.backingFormat()).append('\n');
        }
        if (!info.snapshots().isEmpty()) {
            sb.append("Snapshot list:\n");
            sb.append(snapshotTable(info.snapshots()));
        }
        if (info.formatSpecificType() != null) {
            sb.append("Format specific information:\n");
            dump(sb, info.formatSpecific(), 1);
        }
        return sb.toString();
    }

    /** The snapshot table of {@code info} and {@code snapshot -l}: header and one row per snapshot. */
    public static String snapshotTable(List<SnapshotInfo> snapshots) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-9s %-16s %8s%20s%13s%11s%n", "ID", "TAG", "VM SIZE", "DATE", "VM CLOCK",
                "ICOUNT"));
        for (SnapshotInfo s : snapshots) {
            String date = DATE.format(Instant.ofEpochSecond(s.dateSec()).atZone(ZoneId.systemDefault()));
            long clock = s.vmClockNsec();
            long secs = clock / 1_000_000_000L;
            String vmClock = String.format("%02d:%02d:%02d.%03d", secs / 3600, (secs / 60) % 60, secs % 60,
                    (clock / 1_000_000L) % 1000);
            String icount = s.icount() == -1 ? "" : Long.toString(s.icount());
            sb.append(String.format("%-9s %-16s %8s%20s%13s%11s%n", s.id(), s.name(), Sizes.human(s.vmStateSize()),
                    date, vmClock, icount));
        }
        return sb.toString();
    }

    /** qemu's dump of a QObject: "key: value" lines, nested objects indented, list items as [i]. */
    @SuppressWarnings("unchecked")
    static void dump(StringBuilder sb, Map<String, Object> map, int level) {
        for (String key : QemuJson.order(map)) {
            Object v = map.get(key);
            String name = key.replace('-', ' ');
            if (v instanceof Map<?, ?> || v instanceof List<?>) {
                sb.append("    ".repeat(level)).append(name).append(":\n");
                dumpComposite(sb, v, level + 1);
            } else {
                sb.append("    ".repeat(level)).append(name).append(": ").append(v).append('\n');
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void dumpComposite(StringBuilder sb, Object v, int level) {
        if (v instanceof Map<?, ?> m) {
            dump(sb, (Map<String, Object>) m, level);
            return;
        }
        List<Object> list = (List<Object>) v;
        for (int i = 0; i < list.size(); i++) {
            Object item = list.get(i);
            if (item instanceof Map<?, ?> || item instanceof List<?>) {
                sb.append("    ".repeat(level)).append('[').append(i).append("]:\n");
                dumpComposite(sb, item, level + 1);
            } else {
                sb.append("    ".repeat(level)).append('[').append(i).append("]: ").append(item).append('\n');
            }
        }
    }
}
