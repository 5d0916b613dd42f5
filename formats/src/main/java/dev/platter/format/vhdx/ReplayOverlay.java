package dev.platter.format.vhdx;

import dev.platter.core.ReadOnlyDeviceException;
import dev.platter.core.storage.HostRun;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * A log replayed in memory, for a read-only open: the replay's writes kept as non-overlapping pieces over the
 * file, which is never written. {@link #view()} is the file as the replay left it, read-only; every structure of
 * the disk and every payload read goes through it.
 */
final class ReplayOverlay implements ReplayTarget {
    private final Storage file;
    /** Piece start to piece; a piece's bytes are null when it reads as zeros. */
    private final TreeMap<Long, Piece> pieces = new TreeMap<>();
    private long size;
    private final View view = new View();

    private record Piece(long start, long end, byte[] bytes, int from) {
        Piece cut(long s, long e) {
            return new Piece(s, e, bytes, bytes == null ? 0 : (int) (from + (s - start)));
        }
    }

    ReplayOverlay(Storage file) throws IOException {
        this.file = file;
        this.size = file.size();
    }

    Storage view() {
        return view;
    }

    boolean isEmpty() {
        return pieces.isEmpty() && size == fileSize();
    }

    private long fileSize() {
        try {
            return file.size();
        } catch (IOException e) {
            return -1;
        }
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void write(long offset, byte[] sector) {
        put(new Piece(offset, offset + sector.length, sector.clone(), 0));
    }

    @Override
    public void zero(long offset, long length) {
        if (length > 0) {
            put(new Piece(offset, offset + length, null, 0));
        }
    }

    @Override
    public void setSize(long newSize) {
        if (newSize < size) {
            put(new Piece(newSize, size, null, 0)); // cut off: what lies there is gone
        }
        size = newSize;
    }

    @Override
    public void flush() {
    }

    private void put(Piece p) {
        Map.Entry<Long, Piece> before = pieces.lowerEntry(p.start());
        if (before != null && before.getValue().end() > p.start()) {
            Piece old = before.getValue();
            pieces.put(old.start(), old.cut(old.start(), p.start()));
            if (old.end() > p.end()) {
                pieces.put(p.end(), old.cut(p.end(), old.end()));
            }
        }
        while (true) {
            Map.Entry<Long, Piece> inside = pieces.ceilingEntry(p.start());
            if (inside == null || inside.getKey() >= p.end()) {
                break;
            }
            Piece old = pieces.remove(inside.getKey());
            if (old.end() > p.end()) {
                pieces.put(p.end(), old.cut(p.end(), old.end()));
            }
        }
        pieces.put(p.start(), p);
    }

    /** The file's bytes with the replay's pieces over them; zeros past the file's end. */
    private int read(long pos, ByteBuffer dst) throws IOException {
        int want = (int) Math.max(0, Math.min(dst.remaining(), size - pos));
        if (want == 0) {
            return 0;
        }
        ByteBuffer out = dst.slice(dst.position(), want);
        long fileEnd = file.size();
        if (pos < fileEnd) {
            ByteBuffer part = out.slice(0, (int) Math.min(want, fileEnd - pos));
            file.readAt(pos, part);
        }
        long end = pos + want;
        for (int i = (int) Math.max(0, Math.min(want, fileEnd - pos)); i < want; i++) {
            out.put(i, (byte) 0); // past the file's end
        }
        Map.Entry<Long, Piece> first = pieces.floorEntry(pos);
        Long from = first != null && first.getValue().end() > pos ? first.getKey() : pieces.ceilingKey(pos);
        if (from != null && from < end) {
            for (Piece p : pieces.subMap(from, true, end, false).values()) {
                long s = Math.max(p.start(), pos);
                long e = Math.min(p.end(), end);
                for (long at = s; at < e; at++) {
                    out.put((int) (at - pos), p.bytes() == null ? 0 : p.bytes()[(int) (p.from() + at - p.start())]);
                }
            }
        }
        dst.position(dst.position() + want);
        return want;
    }

    /** The replayed file, read-only. */
    private final class View implements Storage {
        @Override
        public String name() {
            return file.name();
        }

        @Override
        public Path path() {
            return file.path();
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public boolean isReadOnly() {
            return true;
        }

        @Override
        public int readAt(long pos, ByteBuffer dst) throws IOException {
            return read(pos, dst);
        }

        @Override
        public void write(long pos, ByteBuffer src) throws IOException {
            throw new ReadOnlyDeviceException(name());
        }

        @Override
        public void setSize(long newSize) throws IOException {
            throw new ReadOnlyDeviceException(name());
        }

        @Override
        public void flush() {
        }

        @Override
        public void punchHole(long pos, long len) throws IOException {
            throw new ReadOnlyDeviceException(name());
        }

        @Override
        public void allocate(long pos, long len) throws IOException {
            throw new ReadOnlyDeviceException(name());
        }

        /** Replayed ranges are data; elsewhere the file's own runs, cut at the next replayed range. */
        @Override
        public HostRun run(long pos) throws IOException {
            Map.Entry<Long, Piece> at = pieces.floorEntry(pos);
            if (at != null && at.getValue().end() > pos) {
                return new HostRun(true, at.getValue().end() - pos);
            }
            Long next = pieces.ceilingKey(pos);
            long limit = next == null ? Math.max(1, size - pos) : next - pos;
            if (pos >= file.size()) {
                return new HostRun(false, Math.max(1, limit));
            }
            HostRun r = file.run(pos);
            return new HostRun(r.data(), Math.max(1, Math.min(r.length(), limit)));
        }

        @Override
        public long allocatedBytes() throws IOException {
            return file.allocatedBytes();
        }

        @Override
        public void close() {
            // the image closes the file itself
        }
    }
}
