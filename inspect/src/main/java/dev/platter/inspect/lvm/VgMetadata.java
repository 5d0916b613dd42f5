package dev.platter.inspect.lvm;

import dev.platter.core.CorruptImageException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The meaning of a volume group's metadata text (lib/format_text/export.c, import_vsn1.c): the VG, its PVs by slot
 * name, and its LVs with their segments. Units are converted to bytes (the text counts 512-byte sectors). Every
 * number read is checked before it sizes anything.
 *
 * @param name       the VG name
 * @param id         the VG UUID with dashes
 * @param seqno      the commit counter: the highest copy wins
 * @param extentSize bytes per extent
 * @param pvs        the PVs, in written order
 * @param lvs        the LVs, in written order (hidden ones included)
 */
public record VgMetadata(String name, String id, long seqno, long extentSize, List<Pv> pvs, List<Lv> lvs) {
    private static final String WHAT = "LVM2 metadata text";
    private static final long SECTOR = 512;
    /** Bounds that keep byte arithmetic in range whatever the text says. */
    private static final long MAX_EXTENTS = 1L << 40;
    private static final int MAX_STRIPES = 128;

    /**
     * A PV as the VG records it.
     *
     * @param slot    the slot name ("pv0") that segments refer to
     * @param uuid    the PV UUID without dashes (matches {@link PvLabel#uuid()})
     * @param peStart bytes from the start of the PV to its first extent
     * @param peCount number of extents
     * @param missing the VG was told this PV is gone
     */
    public record Pv(String slot, String uuid, long peStart, long peCount, boolean missing) {
    }

    /**
     * An LV.
     *
     * @param name     its name
     * @param id       its UUID with dashes
     * @param status   its status flags (READ, WRITE, VISIBLE ...)
     * @param segments its segments sorted by first extent
     */
    public record Lv(String name, String id, List<String> status, List<Segment> segments) {
        /** Hidden sub-LVs (_rimage_0, _tmeta ...) lack VISIBLE and are never shown. */
        public boolean visible() {
            return status.contains("VISIBLE");
        }

        /** Extents of the LV. */
        public long extentCount() {
            long n = 0;
            for (Segment s : segments) {
                n += s.extentCount();
            }
            return n;
        }
    }

    /**
     * A segment: a run of the LV's extents mapped onto stripes.
     *
     * @param startExtent first logical extent
     * @param extentCount number of logical extents
     * @param type        "striped" for linear and striped; anything else Platter refuses to read
     * @param stripeSize  bytes per chunk when there are several stripes, else 0
     * @param stripes     (PV slot, first PE) per stripe, for "striped" segments
     */
    public record Segment(long startExtent, long extentCount, String type, long stripeSize, List<Stripe> stripes) {
    }

    /** One leg of a striped segment. */
    public record Stripe(String pvSlot, long firstPe) {
    }

    /** Interprets a parsed metadata text. */
    public static VgMetadata from(ConfigSection top) throws CorruptImageException {
        ConfigSection vg = null;
        for (ConfigSection s : top.sections()) {
            if (s.value("seqno") != null && s.section("physical_volumes") != null) {
                vg = s;
                break;
            }
        }
        if (vg == null) {
            throw new CorruptImageException(WHAT, -1, "no volume group section");
        }
        String id = require(vg.string("id"), "id", vg.name());
        long seqno = vg.integer("seqno", -1);
        long extentSectors = vg.integer("extent_size", 0);
        if (extentSectors <= 0 || extentSectors > (1L << 32)) {
            throw new CorruptImageException(WHAT, -1, "VG " + vg.name() + ": extent_size " + extentSectors
                    + " is out of range");
        }
        long extentSize = extentSectors * SECTOR;
        List<Pv> pvs = new ArrayList<>();
        for (ConfigSection p : vg.section("physical_volumes").sections()) {
            String uuid = require(p.string("id"), "id", p.name()).replace("-", "");
            long peStart = p.integer("pe_start", 0);
            long peCount = p.integer("pe_count", 0);
            if (peStart < 0 || peStart > (1L << 50) || peCount < 0 || peCount > MAX_EXTENTS) {
                throw new CorruptImageException(WHAT, -1, "PV " + p.name() + ": pe_start or pe_count out of range");
            }
            pvs.add(new Pv(p.name(), uuid, peStart * SECTOR, peCount, p.strings("flags").contains("MISSING")));
        }
        List<Lv> lvs = new ArrayList<>();
        ConfigSection lvSection = vg.section("logical_volumes");
        if (lvSection != null) {
            for (ConfigSection l : lvSection.sections()) {
                lvs.add(lv(vg.name(), l));
            }
        }
        return new VgMetadata(vg.name(), id, seqno, extentSize, List.copyOf(pvs), List.copyOf(lvs));
    }

    private static Lv lv(String vgName, ConfigSection l) throws CorruptImageException {
        String where = "LV " + vgName + "/" + l.name();
        List<Segment> segments = new ArrayList<>();
        for (ConfigSection s : l.sections()) {
            if (!s.name().startsWith("segment")) {
                continue;
            }
            long start = s.integer("start_extent", -1);
            long count = s.integer("extent_count", -1);
            if (start < 0 || count <= 0 || start > MAX_EXTENTS || count > MAX_EXTENTS) {
                throw new CorruptImageException(WHAT, -1, where + " " + s.name() + ": extents out of range");
            }
            String type = s.string("type");
            if (type == null) {
                throw new CorruptImageException(WHAT, -1, where + " " + s.name() + ": no type");
            }
            List<Stripe> stripes = new ArrayList<>();
            long stripeSize = 0;
            if (type.equals("striped")) {
                long stripeCount = s.integer("stripe_count", -1);
                if (!(s.value("stripes") instanceof ConfigValue.Array a)) {
                    throw new CorruptImageException(WHAT, -1, where + " " + s.name() + ": no stripes list");
                }
                if (stripeCount < 1 || stripeCount > MAX_STRIPES || a.values().size() != 2 * stripeCount) {
                    throw new CorruptImageException(WHAT, -1, where + " " + s.name() + ": stripe_count "
                            + stripeCount + " does not match its " + a.values().size() + "-element stripes list");
                }
                for (int i = 0; i < a.values().size(); i += 2) {
                    if (!(a.values().get(i) instanceof ConfigValue.Str pv)
                            || !(a.values().get(i + 1) instanceof ConfigValue.Int pe)
                            || pe.value() < 0 || pe.value() > MAX_EXTENTS) {
                        throw new CorruptImageException(WHAT, -1, where + " " + s.name()
                                + ": stripes must be (\"pvN\", first extent) pairs");
                    }
                    stripes.add(new Stripe(pv.value(), pe.value()));
                }
                if (stripeCount > 1) {
                    long ss = s.integer("stripe_size", 0);
                    if (ss <= 0 || ss > (1L << 32) || count % stripeCount != 0) {
                        throw new CorruptImageException(WHAT, -1, where + " " + s.name() + ": stripe_size " + ss
                                + " or extent_count " + count + " does not suit " + stripeCount + " stripes");
                    }
                    stripeSize = ss * SECTOR;
                }
            }
            segments.add(new Segment(start, count, type, stripeSize, List.copyOf(stripes)));
        }
        segments.sort(Comparator.comparingLong(Segment::startExtent));
        long next = 0;
        for (Segment s : segments) {
            if (s.startExtent() != next) {
                throw new CorruptImageException(WHAT, -1, where + ": segments are not contiguous (extent "
                        + s.startExtent() + " where " + next + " was expected)");
            }
            next += s.extentCount();
            if (next > MAX_EXTENTS) {
                throw new CorruptImageException(WHAT, -1, where + ": too many extents");
            }
        }
        return new Lv(l.name(), l.string("id") == null ? "" : l.string("id"), l.strings("status"),
                List.copyOf(segments));
    }

    private static String require(String value, String key, String section) throws CorruptImageException {
        if (value == null) {
            throw new CorruptImageException(WHAT, -1, "section '" + section + "' has no '" + key + "'");
        }
        return value;
    }

    /** The PV recorded in slot {@code slot}, or null. */
    public Pv pv(String slot) {
        for (Pv p : pvs) {
            if (p.slot().equals(slot)) {
                return p;
            }
        }
        return null;
    }

    /** The UUID without dashes, as virt-filesystems prints VG UUIDs. */
    public String compactId() {
        return id.replace("-", "");
    }
}
