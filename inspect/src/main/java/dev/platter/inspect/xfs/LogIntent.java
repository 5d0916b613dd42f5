package dev.platter.inspect.xfs;

import dev.platter.core.CorruptImageException;

/**
 * An intent or done log item (writer's byte order): EFI/EFD (extents to free), RUI/RUD (reverse-mapping updates),
 * CUI/CUD (reference-count updates), BUI/BUD (file block-mapping updates), ATTRI/ATTRD (xattr updates), XMI/XMD
 * (mapping exchanges) and their realtime forms. An intent carries its id; its done item names that id. Only the
 * fields recovery needs are kept: the id, the id a done item finishes, and for an EFI the blocks it frees.
 */
record LogIntent(int type, long id, long doneId, long extents, long blocks) {

    static boolean isIntent(int type) {
        return switch (type) {
            case LogItem.EFI, LogItem.RUI, LogItem.CUI, LogItem.BUI, LogItem.ATTRI, LogItem.XMI, LogItem.EFI_RT,
                 LogItem.RUI_RT, LogItem.CUI_RT -> true;
            default -> false;
        };
    }

    static boolean isDone(int type) {
        return switch (type) {
            case LogItem.EFD, LogItem.RUD, LogItem.CUD, LogItem.BUD, LogItem.ATTRD, LogItem.XMD, LogItem.EFD_RT,
                 LogItem.RUD_RT, LogItem.CUD_RT -> true;
            default -> false;
        };
    }

    /** The intent type a done item finishes. */
    static int intentOf(int doneType) {
        return doneType - 1;
    }

    static LogIntent parse(LogItem item, XfsLog log) throws CorruptImageException {
        byte[] r = item.region(0);
        int type = Le.u16(r, 0);
        if (r.length < 16) {
            throw log.corrupt(item.block, LogItem.typeName(type) + " log item of " + r.length + " bytes");
        }
        long n = Le.u32(r, 4);
        long id = Le.u64(r, 8);
        if (isDone(type)) {
            return new LogIntent(type, -1, id, 0, 0);
        }
        long blocks = 0;
        if (type == LogItem.EFI || type == LogItem.EFI_RT) {
            // xfs_extent is 16 bytes on 64-bit hosts, 12 packed on 32-bit ones: the region length tells.
            long per = n == 0 ? 16 : (r.length - 16) / n;
            if (n > (r.length - 16) / 12 || (per != 16 && per != 12)) {
                throw log.corrupt(item.block, LogItem.typeName(type) + " log item claims " + n + " extents in "
                        + r.length + " bytes");
            }
            for (int i = 0; i < n; i++) {
                blocks += Le.u32(r, (int) (16 + i * per + 8));
            }
        }
        return new LogIntent(type, id, -1, n, blocks);
    }
}
