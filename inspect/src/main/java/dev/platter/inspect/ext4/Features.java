package dev.platter.inspect.ext4;

import dev.platter.core.UnsupportedFeatureException;

import java.util.ArrayList;
import java.util.List;

/** The superblock's feature bits, with the names e2fsprogs prints, and which incompatible ones this reader handles. */
final class Features {
    // compat
    static final int COMPAT_HAS_JOURNAL = 0x4;
    static final int COMPAT_EXT_ATTR = 0x8;
    static final int COMPAT_RESIZE_INODE = 0x10;
    static final int COMPAT_DIR_INDEX = 0x20;
    static final int COMPAT_SPARSE_SUPER2 = 0x200;
    static final int COMPAT_ORPHAN_FILE = 0x1000;

    // incompat
    static final int INCOMPAT_COMPRESSION = 0x1;
    static final int INCOMPAT_FILETYPE = 0x2;
    static final int INCOMPAT_RECOVER = 0x4;
    static final int INCOMPAT_JOURNAL_DEV = 0x8;
    static final int INCOMPAT_META_BG = 0x10;
    static final int INCOMPAT_EXTENTS = 0x40;
    static final int INCOMPAT_64BIT = 0x80;
    static final int INCOMPAT_MMP = 0x100;
    static final int INCOMPAT_FLEX_BG = 0x200;
    static final int INCOMPAT_EA_INODE = 0x400;
    static final int INCOMPAT_DIRDATA = 0x1000;
    static final int INCOMPAT_CSUM_SEED = 0x2000;
    static final int INCOMPAT_LARGEDIR = 0x4000;
    static final int INCOMPAT_INLINE_DATA = 0x8000;
    static final int INCOMPAT_ENCRYPT = 0x10000;
    static final int INCOMPAT_CASEFOLD = 0x20000;

    // ro_compat
    static final int RO_COMPAT_SPARSE_SUPER = 0x1;
    static final int RO_COMPAT_LARGE_FILE = 0x2;
    static final int RO_COMPAT_BTREE_DIR = 0x4;
    static final int RO_COMPAT_HUGE_FILE = 0x8;
    static final int RO_COMPAT_GDT_CSUM = 0x10;
    static final int RO_COMPAT_HAS_SNAPSHOT = 0x80;
    static final int RO_COMPAT_BIGALLOC = 0x200;
    static final int RO_COMPAT_METADATA_CSUM = 0x400;
    static final int RO_COMPAT_ORPHAN_PRESENT = 0x10000;

    /** Incompatible features this reader understands (needs_recovery is read as on disk, with a warning). */
    static final int INCOMPAT_SUPPORTED = INCOMPAT_FILETYPE | INCOMPAT_RECOVER | INCOMPAT_META_BG | INCOMPAT_EXTENTS
            | INCOMPAT_64BIT | INCOMPAT_MMP | INCOMPAT_FLEX_BG | INCOMPAT_EA_INODE | INCOMPAT_CSUM_SEED
            | INCOMPAT_LARGEDIR | INCOMPAT_INLINE_DATA | INCOMPAT_ENCRYPT | INCOMPAT_CASEFOLD;

    private static final String[] INCOMPAT_NAMES = {
        "compression", "filetype", "needs_recovery", "journal_dev", "meta_bg", null, "extent", "64bit",
        "mmp", "flex_bg", "ea_inode", null, "dirdata", "metadata_csum_seed", "large_dir", "inline_data",
        "encrypt", "casefold"};

    private Features() {
    }

    /** The e2fsprogs name of incompat bit {@code 1 << bit} ("FEATURE_I<n>" for bits without one). */
    static String incompatName(int bit) {
        String name = bit < INCOMPAT_NAMES.length ? INCOMPAT_NAMES[bit] : null;
        return name != null ? name : "FEATURE_I" + bit;
    }

    /** Refuses, by name, every incompatible feature this reader cannot read correctly. */
    static void checkIncompat(long incompat) throws UnsupportedFeatureException {
        long unknown = incompat & ~(long) INCOMPAT_SUPPORTED & 0xFFFFFFFFL;
        if (unknown == 0) {
            return;
        }
        List<String> names = new ArrayList<>();
        for (int bit = 0; bit < 32; bit++) {
            if ((unknown & (1L << bit)) != 0) {
                names.add(incompatName(bit));
            }
        }
        String what = String.join(", ", names);
        String hint = (unknown & INCOMPAT_JOURNAL_DEV) != 0 ? " (this device is an external journal, not a filesystem)"
                : "";
        throw new UnsupportedFeatureException(what,
                "ext filesystem uses incompatible feature" + (names.size() > 1 ? "s " : " ") + what + hint);
    }
}
