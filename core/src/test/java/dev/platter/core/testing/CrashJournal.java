package dev.platter.core.testing;

import dev.platter.core.storage.HostFiles;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fault injection for crash safety: put in front of {@link HostFiles} while an operation runs, it records in order
 * every change the operation makes to any host file (writes, size changes, hole punches) and every flush. Afterwards
 * {@link #materialize} rebuilds the files as a power cut after the first {@code n} events would leave them: all
 * writes before the cut landed, none after; in the torn mode the write at the cut landed only in part, sector by
 * sector (a 512-byte sector is the unit a disk writes atomically).
 */
public final class CrashJournal implements HostFiles.Opener {
    /** What a crash does to the write at the cut. */
    public enum Tear {
        /** It did not land. */
        NONE,
        /** Its first half of sectors landed (rounded up; writes of one sector are atomic and are left out). */
        FIRST_HALF,
        /** Its last half of sectors landed. */
        LAST_HALF
    }

    /** One recorded change or flush of one file. */
    public record Event(Path file, Kind kind, long pos, long length, byte[] bytes) {
        public boolean isWrite() {
            return kind == Kind.WRITE;
        }
    }

    public enum Kind { WRITE, SET_SIZE, PUNCH, FLUSH }

    private static final int SECTOR = 512;
    private final List<Event> events = new ArrayList<>();
    /** Each file's content before the operation touched it; null when it did not exist. */
    private final Map<Path, byte[]> initial = new LinkedHashMap<>();

    /** Runs {@code task} with every host file it opens recorded in a new journal. */
    public static CrashJournal record(Callable task) throws Exception {
        CrashJournal j = new CrashJournal();
        j.run(task);
        return j;
    }

    /** Runs {@code task} with every host file it opens recorded in this journal. */
    public void run(Callable task) throws Exception {
        HostFiles.using(this, () -> {
            task.run();
            return null;
        });
    }

    /** An operation to record. */
    @FunctionalInterface
    public interface Callable {
        void run() throws Exception;
    }

    @Override
    public Storage open(Path path, String name, boolean readOnly) throws IOException {
        Storage s = HostFiles.FILES.open(path, name, readOnly);
        remember(path);
        return readOnly ? s : new Recording(s, key(path));
    }

    @Override
    public Storage create(Path path, boolean overwrite) throws IOException {
        remember(path);
        return new Recording(HostFiles.FILES.create(path, overwrite), key(path));
    }

    private synchronized void remember(Path path) throws IOException {
        Path k = key(path);
        if (!initial.containsKey(k)) {
            initial.put(k, Files.exists(k) ? Files.readAllBytes(k) : null);
        }
    }

    private static Path key(Path p) {
        return p.toAbsolutePath().normalize();
    }

    private synchronized void add(Event e) {
        events.add(e);
    }

    public synchronized List<Event> events() {
        return List.copyOf(events);
    }

    public synchronized int size() {
        return events.size();
    }

    /** The files the operation wrote, in the order it first opened them. */
    public synchronized List<Path> files() {
        return List.copyOf(initial.keySet());
    }

    /**
     * Writes into {@code dir} (under each file's own name) every recorded file as a crash after the first {@code n}
     * events leaves it; files that did not exist before and were not written by then are absent.
     */
    public synchronized void materialize(Path dir, int n, Tear tear) throws IOException {
        Map<Path, Path> out = new LinkedHashMap<>();
        for (Map.Entry<Path, byte[]> f : initial.entrySet()) {
            Path target = dir.resolve(f.getKey().getFileName());
            Files.deleteIfExists(target);
            if (f.getValue() != null) {
                Files.write(target, f.getValue());
            }
            out.put(f.getKey(), target);
        }
        for (int i = 0; i < n && i < events.size(); i++) {
            apply(out.get(events.get(i).file()), events.get(i), Tear.NONE);
        }
        if (tear != Tear.NONE && n < events.size()) {
            apply(out.get(events.get(n).file()), events.get(n), tear);
        }
    }

    /** One crash state, materialized: what a test checks there. */
    @FunctionalInterface
    public interface StateCheck {
        /** @param what "crash after n of N events[, the next one torn (TEAR)]", for messages */
        void check(int n, Tear tear, String what) throws Exception;
    }

    /**
     * Materializes into {@code dir} every crash state (after each prefix of the events, and with each tearable next
     * write torn) and runs {@code check} on it.
     *
     * @return how many states were checked
     */
    public int eachState(Path dir, StateCheck check) throws Exception {
        int states = 0;
        for (int n = 0; n <= size(); n++) {
            for (Tear tear : Tear.values()) {
                if (tear != Tear.NONE && !tearable(n)) {
                    continue;
                }
                materialize(dir, n, tear);
                check.check(n, tear, "crash after " + n + " of " + size() + " events"
                        + (tear == Tear.NONE ? "" : ", the next one torn (" + tear + ")"));
                states++;
            }
        }
        return states;
    }

    /** Whether the event at {@code n} is a write that {@code tear} would land in part. */
    public synchronized boolean tearable(int n) {
        return n < events.size() && events.get(n).isWrite() && sectors(events.get(n)) > 1;
    }

    private static int sectors(Event e) {
        long first = e.pos() / SECTOR;
        long last = (e.pos() + e.bytes().length - 1) / SECTOR;
        return (int) (last - first + 1);
    }

    private static void apply(Path file, Event e, Tear tear) throws IOException {
        if (e.kind() == Kind.FLUSH) {
            return;
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            switch (e.kind()) {
                case SET_SIZE -> f.setLength(e.length());
                case PUNCH -> {
                    long end = Math.min(f.length(), e.pos() + e.length());
                    if (end > e.pos()) {
                        f.seek(e.pos());
                        f.write(new byte[(int) (end - e.pos())]);
                    }
                }
                case WRITE -> {
                    byte[] b = e.bytes();
                    int from = 0;
                    int to = b.length;
                    if (tear != Tear.NONE) {
                        // Cut at a sector boundary of the file, half of the sectors on each side.
                        long cut = (e.pos() / SECTOR + (sectors(e) + 1) / 2) * SECTOR;
                        int at = (int) Math.max(0, Math.min(b.length, cut - e.pos()));
                        if (tear == Tear.FIRST_HALF) {
                            to = at;
                        } else {
                            from = at;
                        }
                    }
                    if (from < to) {
                        f.seek(e.pos() + from);
                        f.write(b, from, to - from);
                    }
                }
                default -> {
                }
            }
        }
    }

    /** Storage that reports every change to the journal before making it. */
    private final class Recording extends ForwardingStorage {
        private final Path file;

        Recording(Storage inner, Path file) {
            super(inner);
            this.file = file;
        }

        @Override
        public void write(long pos, ByteBuffer src) throws IOException {
            byte[] b = new byte[src.remaining()];
            src.duplicate().get(b);
            add(new Event(file, Kind.WRITE, pos, b.length, b));
            inner.write(pos, src);
        }

        @Override
        public void setSize(long size) throws IOException {
            add(new Event(file, Kind.SET_SIZE, 0, size, null));
            inner.setSize(size);
        }

        @Override
        public void flush() throws IOException {
            inner.flush();
            add(new Event(file, Kind.FLUSH, 0, 0, null));
        }

        @Override
        public void punchHole(long pos, long len) throws IOException {
            add(new Event(file, Kind.PUNCH, pos, len, null));
            inner.punchHole(pos, len);
        }

        @Override
        public void allocate(long pos, long len) throws IOException {
            long size = inner.size();
            inner.allocate(pos, len);
            if (inner.size() != size) {
                add(new Event(file, Kind.SET_SIZE, 0, inner.size(), null));
            }
        }
    }
}
