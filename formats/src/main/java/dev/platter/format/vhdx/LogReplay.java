package dev.platter.format.vhdx;

import dev.platter.core.CorruptImageException;

import java.io.IOException;

/**
 * Replays the active log sequence as qemu's vhdx_log_flush does: entry by entry, a file shorter than an entry's
 * flushed file offset is refused (it was truncated), data descriptors write their 4 KiB, zero descriptors their
 * zeros, and a file shorter than the entry's last file offset is extended to the next MiB (when that offset is not
 * MiB-aligned; qemu leaves it alone when it is). Platter also refuses writes that end past both the file and the
 * entry's last file offset, and a last file offset more than 4 GiB past the file (a crash loses at most a few
 * blocks' growth): they point outside the file.
 */
final class LogReplay {
    private static final long MIB = 1 << 20;
    private static final long MAX_GROWTH = 4L << 30;

    private LogReplay() {
    }

    static void apply(VhdxLog.Replay replay, long logOffset, ReplayTarget target) throws IOException {
        for (VhdxLog.Entry e : replay.entries()) {
            long where = logOffset + e.logPosition();
            long size = target.size();
            if (Long.compareUnsigned(e.flushedFileOffset(), size) > 0) {
                throw new CorruptImageException("vhdx log entry", where, "flushed file offset " + Long
                        .toUnsignedString(e.flushedFileOffset()) + " is past the end of the file (" + size
                        + " bytes): the file was truncated");
            }
            if (e.lastFileOffset() < 0 || e.lastFileOffset() > size + MAX_GROWTH) {
                throw new CorruptImageException("vhdx log entry", where, "last file offset " + Long
                        .toUnsignedString(e.lastFileOffset()) + " lies far outside the file (" + size + " bytes)");
            }
            long limit = Math.max(size, roundUpMib(e.lastFileOffset()));
            int data = 0;
            for (int i = 0; i < e.descriptors().size(); i++) {
                LogDescriptor d = e.descriptors().get(i);
                if (d.fileOffset() < 0 || d.length() < 0 || d.fileOffset() > limit - d.length()) {
                    throw new CorruptImageException("vhdx log entry", where, "descriptor " + i + " writes "
                            + Long.toUnsignedString(d.length()) + " bytes at " + Long.toUnsignedString(d.fileOffset())
                            + ", outside the file (" + limit + " bytes)");
                }
                if (d.zero()) {
                    target.zero(d.fileOffset(), d.length());
                } else {
                    if (data >= e.sectors().size()) {
                        throw new CorruptImageException("vhdx log entry", where, "descriptor " + i + " has no data "
                                + "sector in the entry");
                    }
                    target.write(d.fileOffset(), VhdxLog.dataSector(d, e.sectors().get(data++), where));
                }
            }
            if (target.size() < e.lastFileOffset() && e.lastFileOffset() % MIB != 0) {
                target.setSize(roundUpMib(e.lastFileOffset()));
            }
        }
        target.flush();
    }

    private static long roundUpMib(long n) {
        return (n + MIB - 1) / MIB * MIB;
    }
}
