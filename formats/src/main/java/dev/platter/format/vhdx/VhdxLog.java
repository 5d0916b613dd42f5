package dev.platter.format.vhdx;

import dev.platter.core.CorruptImageException;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The metadata log: a ring of 4 KiB sectors at the header's log offset. When the current header names a log GUID,
 * the active sequence is found as qemu's vhdx_log_search finds it and turned into the writes that replay it
 * ({@link #pendingReplay}). Every walk is bounded by the ring: an invalid sector advances the search by one sector,
 * an entry by its length, and the search ends when it wraps.
 */
final class VhdxLog {
    static final int SECTOR = 4096;
    static final long MIN_OFFSET = 1 << 20;
    /** Longer logs are refused: a replay holds its sequence in memory. */
    static final long MAX_LENGTH = 256 << 20;
    private static final int DATA_SIGNATURE = 0x61746164; // "data"

    private final Storage file;
    private final long offset;
    private final long length;
    private final VhdxGuid guid;

    /** One entry to replay: its writes in order, and the file sizes it assumes. */
    record Entry(long logPosition, long flushedFileOffset, long lastFileOffset, List<LogDescriptor> descriptors,
                 List<byte[]> sectors) {
    }

    /** What replaying the active sequence does; {@code nextSequence} continues its numbering. */
    record Replay(List<Entry> entries, long nextSequence) {
    }

    private VhdxLog(Storage file, long offset, long length, VhdxGuid guid) {
        this.file = file;
        this.offset = offset;
        this.length = length;
        this.guid = guid;
    }

    /**
     * qemu's vhdx_parse_log up to the replay: the log's place and version, then, when the header names a log, the
     * active sequence. Null when there is nothing to replay.
     */
    static Replay pendingReplay(Storage file, VhdxHeader h, long headerOffset) throws IOException {
        if (h.logOffset() < MIN_OFFSET || h.logOffset() % MIN_OFFSET != 0) {
            throw new CorruptImageException("vhdx header", headerOffset, "log offset " + Long.toUnsignedString(
                    h.logOffset()) + " (a multiple of 1 MiB past the first)");
        }
        if (h.logVersion() != 0) {
            throw new CorruptImageException("vhdx header", headerOffset, "log version " + h.logVersion()
                    + " (only 0 is defined)");
        }
        if (h.logGuid().isZero() || h.logLength() == 0) {
            return null;
        }
        if (h.logLength() % MIN_OFFSET != 0) {
            throw new CorruptImageException("vhdx header", headerOffset, "log length " + h.logLength()
                    + " (a multiple of 1 MiB)");
        }
        if (h.logLength() > MAX_LENGTH) {
            throw new dev.platter.core.UnsupportedFeatureException("vhdx log over 256 MiB", "the vhdx log at "
                    + h.logOffset() + " is " + h.logLength() + " bytes long; Platter replays logs up to 256 MiB "
                    + "(Hyper-V and qemu write 1 MiB)");
        }
        long size = file.size();
        if (h.logOffset() > size || h.logLength() > size - h.logOffset()) {
            throw new CorruptImageException("vhdx log", h.logOffset(), "its " + h.logLength() + " bytes end past "
                    + "the end of the file (" + size + " bytes)");
        }
        return new VhdxLog(file, h.logOffset(), h.logLength(), h.logGuid()).search();
    }

    private byte[] sector(long position) throws IOException {
        byte[] b = new byte[SECTOR];
        file.readFully(offset + position, ByteBuffer.wrap(b));
        return b;
    }

    private long next(long position) {
        long n = position + SECTOR;
        return n >= length ? 0 : n;
    }

    /** The result of validating the entry at a position: where the walk goes on, and the entry if valid. */
    private record Step(long next, LogEntryHeader header, Entry entry) {
    }

    /**
     * qemu's vhdx_validate_log_entry at {@code position}: an invalid header (or, after the first entry of a
     * sequence, one whose number does not follow {@code previous}) moves on one sector; otherwise the descriptors
     * must be valid (an invalid one fails the open, as in qemu) and the checksum over the whole entry must hold.
     */
    private Step validate(long position, long previous) throws IOException {
        byte[] first = sector(position);
        LogEntryHeader h = LogEntryHeader.parse(first);
        if (!LogEntryHeader.hasSignature(first) || !h.validFor(length, guid)
                || (previous > 0 && h.sequenceNumber() != previous + 1)) {
            return new Step(next(position), null, null);
        }
        long descSectors = LogEntryHeader.descriptorSectors(h.descriptorCount());
        long totalSectors = h.entryLength() / SECTOR;
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        ByteBuffer descs = ByteBuffer.allocate((int) (descSectors * SECTOR)).order(ByteOrder.LITTLE_ENDIAN);
        long at = position;
        for (long i = 0; i < descSectors; i++) {
            descs.put(i == 0 ? first : sector(at));
            at = next(at);
        }
        List<LogDescriptor> descriptors = new ArrayList<>();
        for (int i = 0; i < h.descriptorCount(); i++) {
            LogDescriptor d = LogDescriptor.parse(descs, LogEntryHeader.SIZE + i * LogDescriptor.SIZE);
            if (d == null || !d.validFor(h.sequenceNumber())) {
                throw new CorruptImageException("vhdx log entry", offset + position, "descriptor " + i + " is "
                        + "not valid (signature, sequence number " + h.sequenceNumber() + ", 4 KiB alignment)");
            }
            descriptors.add(d);
        }
        byte[] d = descs.array();
        crc.update(d, 0, VhdxChecksum.FIELD);
        crc.update(new byte[4]);
        crc.update(d, VhdxChecksum.FIELD + 4, d.length - VhdxChecksum.FIELD - 4);
        List<byte[]> sectors = new ArrayList<>();
        for (long i = descSectors; i < totalSectors; i++) {
            byte[] s = sector(at);
            at = next(at);
            crc.update(s);
            sectors.add(s);
        }
        if ((int) crc.getValue() != h.checksum()) {
            return new Step(at, null, null);
        }
        return new Step(at, h, new Entry(position, h.flushedFileOffset(), h.lastFileOffset(), descriptors,
                sectors));
    }

    /**
     * qemu's vhdx_log_search: from every sector, the longest run of valid entries with consecutive numbers (the
     * run's second entry is not checked against its first, as in qemu); the run whose first entry has the highest
     * sequence number wins.
     */
    private Replay search() throws IOException {
        List<Entry> best = null;
        long bestSequence = 0;
        long position = 0;
        long steps = 0;
        long limit = 2 * (length / SECTOR) + 2;
        while (true) {
            long tail = position;
            Step s = validate(position, 0);
            position = s.next();
            if (s.header() != null) {
                List<Entry> run = new ArrayList<>(List.of(s.entry()));
                long firstSequence = s.header().sequenceNumber();
                long current = 0;
                while (steps++ < limit) {
                    Step more = validate(position, current);
                    position = more.next();
                    if (more.header() == null) {
                        break;
                    }
                    run.add(more.entry());
                    current = more.header().sequenceNumber();
                }
                if (best == null || Long.compareUnsigned(firstSequence, bestSequence) > 0) {
                    best = run;
                    bestSequence = firstSequence;
                }
            }
            if (position < tail || steps++ > limit) {
                break;
            }
        }
        return best == null ? null : new Replay(best, bestSequence + 1);
    }

    /** The 4 KiB a data descriptor writes: its leading 8 bytes, the data sector's 4084, its trailing 4. */
    static byte[] dataSector(LogDescriptor d, byte[] dataSector, long entryOffset) throws CorruptImageException {
        ByteBuffer s = ByteBuffer.wrap(dataSector).order(ByteOrder.LITTLE_ENDIAN);
        long sequence = (s.getInt(4) & 0xffffffffL) << 32 | (s.getInt(4092) & 0xffffffffL);
        if (sequence != d.sequenceNumber()) {
            throw new CorruptImageException("vhdx log entry", entryOffset, "a data sector's sequence number "
                    + sequence + " is not its descriptor's " + d.sequenceNumber());
        }
        ByteBuffer out = ByteBuffer.allocate(SECTOR).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(0, d.leadingOrZeroLength());
        out.put(8, dataSector, 8, 4084);
        out.putInt(4092, (int) d.trailingBytes());
        return out.array();
    }

    /** A data sector as the log stores it: signature, sequence high, bytes 8-4091 of {@code data}, sequence low. */
    static byte[] encodeDataSector(byte[] data, long sequence) {
        ByteBuffer out = ByteBuffer.allocate(SECTOR).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(0, DATA_SIGNATURE);
        out.putInt(4, (int) (sequence >>> 32));
        out.put(8, data, 8, 4084);
        out.putInt(4092, (int) sequence);
        return out.array();
    }

    long offset() {
        return offset;
    }
}
