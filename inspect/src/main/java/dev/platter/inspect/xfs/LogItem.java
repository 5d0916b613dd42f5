package dev.platter.inspect.xfs;

import java.util.ArrayList;
import java.util.List;

/**
 * One item of a transaction being reassembled from log operations: its regions (the first is the item's format
 * structure, whose first two 16-bit words give its type and how many regions it has), each region possibly split
 * across records and continued.
 */
final class LogItem {
    /** XLOG_MAX_REGIONS_IN_ITEM: a buffer's bitmap regions plus its format, the most an item can have. */
    static final int MAX_REGIONS = 64 * 1024 / 128 / 2 + 1;

    // Item types (XFS_LI_*).
    static final int EFI = 0x1236;
    static final int EFD = 0x1237;
    static final int IUNLINK = 0x1238;
    static final int INODE = 0x123b;
    static final int BUF = 0x123c;
    static final int DQUOT = 0x123d;
    static final int QUOTAOFF = 0x123e;
    static final int ICREATE = 0x123f;
    static final int RUI = 0x1240;
    static final int RUD = 0x1241;
    static final int CUI = 0x1242;
    static final int CUD = 0x1243;
    static final int BUI = 0x1244;
    static final int BUD = 0x1245;
    static final int ATTRI = 0x1246;
    static final int ATTRD = 0x1247;
    static final int XMI = 0x1248;
    static final int XMD = 0x1249;
    static final int EFI_RT = 0x124a;
    static final int EFD_RT = 0x124b;
    static final int RUI_RT = 0x124c;
    static final int RUD_RT = 0x124d;
    static final int CUI_RT = 0x124e;
    static final int CUD_RT = 0x124f;

    int total;
    final List<byte[]> regions = new ArrayList<>();
    /** The log block of the record where the item began, for messages. */
    final long block;

    LogItem(long block) {
        this.block = block;
    }

    int type() {
        return Le.u16(regions.get(0), 0);
    }

    byte[] region(int i) {
        return regions.get(i);
    }

    static String typeName(int type) {
        return switch (type) {
            case EFI -> "EFI (extent free intent)";
            case EFD -> "EFD (extent free done)";
            case IUNLINK -> "IUNLINK";
            case INODE -> "inode";
            case BUF -> "buffer";
            case DQUOT -> "dquot";
            case QUOTAOFF -> "quotaoff";
            case ICREATE -> "icreate";
            case RUI -> "RUI (rmap update intent)";
            case RUD -> "RUD (rmap update done)";
            case CUI -> "CUI (refcount update intent)";
            case CUD -> "CUD (refcount update done)";
            case BUI -> "BUI (bmap update intent)";
            case BUD -> "BUD (bmap update done)";
            case ATTRI -> "ATTRI (xattr update intent)";
            case ATTRD -> "ATTRD (xattr update done)";
            case XMI -> "XMI (mapping exchange intent)";
            case XMD -> "XMD (mapping exchange done)";
            case EFI_RT -> "EFI_RT (realtime extent free intent)";
            case EFD_RT -> "EFD_RT (realtime extent free done)";
            case RUI_RT -> "RUI_RT (realtime rmap update intent)";
            case RUD_RT -> "RUD_RT (realtime rmap update done)";
            case CUI_RT -> "CUI_RT (realtime refcount update intent)";
            case CUD_RT -> "CUD_RT (realtime refcount update done)";
            default -> "0x" + Integer.toHexString(type);
        };
    }
}
