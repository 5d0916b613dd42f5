package dev.platter.core.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Storage in memory, for tests and scratch images. Sparse: bytes live in 64 KiB pages created on first write,
 * and pages never written (or punched out) are holes, so a 1 TiB memory storage costs nothing until used.
 */
public final class MemoryStorage implements Storage {
    static final int PAGE = 64 * 1024;

    private final String name;
    private final boolean readOnly;
    private final ConcurrentNavigableMap<Long, byte[]> pages = new ConcurrentSkipListMap<>();
    private volatile long size;

    public MemoryStorage(String name, long size) {
        this(name, size, false);
    }

    private MemoryStorage(String name, long size, boolean readOnly) {
        this.name = name;
        this.size = size;
        this.readOnly = readOnly;
    }

    /** A read-only view sharing these bytes. */
    public MemoryStorage readOnlyView() {
        MemoryStorage view = new MemoryStorage(name, size, true);
        view.pages.putAll(pages);
        return view;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Path path() {
        return null;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }

    @Override
    public int readAt(long pos, ByteBuffer dst) {
        long end = Math.min(size, pos + dst.remaining());
        int total = 0;
        for (long p = pos; p < end; ) {
            long page = p / PAGE;
            int off = (int) (p % PAGE);
            int n = (int) Math.min(PAGE - off, end - p);
            byte[] bytes = pages.get(page);
            if (bytes == null) {
                for (int i = 0; i < n; i++) {
                    dst.put((byte) 0);
                }
            } else {
                dst.put(bytes, off, n);
            }
            p += n;
            total += n;
        }
        return total;
    }

    @Override
    public synchronized void write(long pos, ByteBuffer src) throws IOException {
        checkWritable();
        long end = pos + src.remaining();
        for (long p = pos; p < end; ) {
            long page = p / PAGE;
            int off = (int) (p % PAGE);
            int n = (int) Math.min(PAGE - off, end - p);
            src.get(pages.computeIfAbsent(page, k -> new byte[PAGE]), off, n);
            p += n;
        }
        if (end > size) {
            size = end;
        }
    }

    @Override
    public synchronized void setSize(long newSize) throws IOException {
        checkWritable();
        if (newSize < size) {
            pages.keySet().removeIf(page -> page * PAGE >= newSize);
            byte[] last = pages.get(newSize / PAGE);
            if (last != null) {
                java.util.Arrays.fill(last, (int) (newSize % PAGE), PAGE, (byte) 0);
            }
        }
        size = newSize;
    }

    @Override
    public void flush() {
    }

    @Override
    public synchronized void punchHole(long pos, long len) throws IOException {
        checkWritable();
        long end = Math.min(size, pos + len);
        for (long p = pos; p < end; ) {
            long page = p / PAGE;
            int off = (int) (p % PAGE);
            int n = (int) Math.min(PAGE - off, end - p);
            if (off == 0 && n == PAGE) {
                pages.remove(page);
            } else {
                byte[] bytes = pages.get(page);
                if (bytes != null) {
                    java.util.Arrays.fill(bytes, off, off + n, (byte) 0);
                }
            }
            p += n;
        }
    }

    @Override
    public synchronized void allocate(long pos, long len) throws IOException {
        checkWritable();
        for (long page = pos / PAGE; page * PAGE < pos + len; page++) {
            pages.computeIfAbsent(page, k -> new byte[PAGE]);
        }
        if (pos + len > size) {
            size = pos + len;
        }
    }

    @Override
    public HostRun run(long pos) {
        if (pos < 0 || pos >= size) {
            throw new IllegalArgumentException("run at " + pos + " outside " + name + " (" + size + " bytes)");
        }
        long page = pos / PAGE;
        boolean data = pages.containsKey(page);
        long p;
        if (data) {
            long last = page;
            while (pages.containsKey(last + 1)) {
                last++;
            }
            p = (last + 1) * PAGE;
        } else {
            Long next = pages.ceilingKey(page);
            p = next == null ? size : next * PAGE;
        }
        return new HostRun(data, Math.min(p, size) - pos);
    }

    @Override
    public long allocatedBytes() {
        return (long) pages.size() * PAGE;
    }

    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return name;
    }
}
