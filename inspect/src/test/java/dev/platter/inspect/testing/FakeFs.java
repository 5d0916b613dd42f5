package dev.platter.inspect.testing;

import dev.platter.core.BlockDevice;
import dev.platter.core.Extent;
import dev.platter.core.StorageDevice;
import dev.platter.core.storage.MemoryStorage;
import dev.platter.inspect.fs.DirEntry;
import dev.platter.inspect.fs.FileStat;
import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.fs.GuestFileSystem;
import dev.platter.inspect.fs.StatFs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An in-memory filesystem a test builds inode by inode, hostile shapes included (names with '/', duplicate
 * names, directory cycles, symlink loops), served through the real {@link GuestFileSystem} contract by
 * {@link FakeFsDriver} to any device that starts with its magic and key.
 */
public final class FakeFs implements GuestFileSystem {
    static final String MAGIC = "PLATTERFAKEFS:";
    static final Map<String, FakeFs> REGISTRY = new java.util.concurrent.ConcurrentHashMap<>();

    /** One inode. */
    public static final class Node {
        final long ino;
        int mode;
        long uid;
        long gid;
        long mtime = 1_700_000_000L;
        byte[] data = new byte[0];
        long size;
        final List<long[]> holes = new ArrayList<>();
        byte[] target;
        final List<DirEntry> entries = new ArrayList<>();

        Node(long ino, int mode) {
            this.ino = ino;
            this.mode = mode;
        }

        public long ino() {
            return ino;
        }
    }

    private final String key;
    private final String type;
    private final String label;
    private final String uuid;
    private final Map<Long, Node> nodes = new LinkedHashMap<>();
    private long next = 2;

    public FakeFs(String key, String label, String uuid) {
        this.key = key;
        this.type = "fakefs";
        this.label = label;
        this.uuid = uuid;
        nodes.put(1L, new Node(1, 040755));
        REGISTRY.put(key, this);
    }

    /** A 1 MiB device carrying this filesystem's magic. */
    public BlockDevice device() throws IOException {
        return device(1 << 20);
    }

    public BlockDevice device(long size) throws IOException {
        BlockDevice d = new StorageDevice(new MemoryStorage(key, size), size);
        writeMagic(d, 0);
        return d;
    }

    /** Writes this filesystem's magic at {@code pos} of {@code d} (e.g. the start of a partition). */
    public void writeMagic(BlockDevice d, long pos) throws IOException {
        d.write(pos, ByteBuffer.wrap((MAGIC + key + "\n").getBytes(StandardCharsets.US_ASCII)));
    }

    public Node root() {
        return nodes.get(1L);
    }

    private Node add(Node dir, byte[] name, int mode) {
        Node n = new Node(next++, mode);
        nodes.put(n.ino, n);
        link(dir, name, n);
        return n;
    }

    /** Adds a name for {@code target} in {@code dir}: any bytes, duplicates allowed (hostile filesystems). */
    public void link(Node dir, byte[] name, Node target) {
        dir.entries.add(new DirEntry(name, target.ino, FileType.fromMode(target.mode)));
    }

    public Node dir(Node parent, String name) {
        return add(parent, bytes(name), 040755);
    }

    public Node file(Node parent, String name, String content) {
        return file(parent, bytes(name), content.getBytes(StandardCharsets.UTF_8), 0100644);
    }

    public Node file(Node parent, byte[] name, byte[] content, int mode) {
        Node n = add(parent, name, mode);
        n.data = content;
        n.size = content.length;
        return n;
    }

    /** A sparse file: {@code size} bytes, data only in the given {offset, length} islands (filled with 'x'). */
    public Node sparse(Node parent, String name, long size, long[][] islands) {
        Node n = add(parent, bytes(name), 0100644);
        n.size = size;
        n.holes.addAll(List.of(islands));
        return n;
    }

    public Node symlink(Node parent, String name, String target) {
        return symlink(parent, bytes(name), bytes(target));
    }

    public Node symlink(Node parent, byte[] name, byte[] target) {
        Node n = add(parent, name, 0120777);
        n.target = target;
        n.size = target.length;
        return n;
    }

    public Node special(Node parent, String name, int mode) {
        return add(parent, bytes(name), mode);
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private Node node(long ino) throws IOException {
        Node n = nodes.get(ino);
        if (n == null) {
            throw new dev.platter.core.CorruptImageException("fakefs inode " + ino, -1, "no such inode");
        }
        return n;
    }

    @Override
    public String type() {
        return type;
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public String uuid() {
        return uuid;
    }

    @Override
    public long rootInode() {
        return 1;
    }

    @Override
    public FileStat stat(long inode) throws IOException {
        Node n = node(inode);
        Instant t = Instant.ofEpochSecond(n.mtime);
        long links = 0;
        for (Node d : nodes.values()) {
            for (DirEntry e : d.entries) {
                links += e.inode() == inode ? 1 : 0;
            }
        }
        return new FileStat(n.ino, n.mode, Math.max(1, links), n.uid, n.gid, n.size, (n.size + 511) / 512, t, t, t, null, 0, 0);
    }

    @Override
    public List<DirEntry> list(long dirInode) throws IOException {
        return List.copyOf(node(dirInode).entries);
    }

    @Override
    public DirEntry lookup(long dirInode, byte[] name) throws IOException {
        for (DirEntry e : node(dirInode).entries) {
            if (java.util.Arrays.equals(e.rawName(), name)) {
                return e;
            }
        }
        return null;
    }

    @Override
    public byte[] readlink(long inode) throws IOException {
        return node(inode).target.clone();
    }

    @Override
    public BlockDevice open(long inode) throws IOException {
        Node n = node(inode);
        MemoryStorage s = new MemoryStorage("fakefs inode " + inode, n.size);
        BlockDevice d = new StorageDevice(s, n.size);
        if (n.holes.isEmpty()) {
            d.write(0, ByteBuffer.wrap(n.data));
        } else {
            for (long[] island : n.holes) {
                byte[] x = new byte[(int) island[1]];
                java.util.Arrays.fill(x, (byte) 'x');
                d.write(island[0], ByteBuffer.wrap(x));
            }
        }
        return d;
    }

    @Override
    public Map<String, byte[]> xattrs(long inode) {
        return Map.of();
    }

    @Override
    public StatFs statfs() {
        return new StatFs(4096, 1000, 600, 500, 256, 200, 255);
    }

    @Override
    public List<String> warnings() {
        return List.of();
    }

    @Override
    public void close() {
    }

    /** Mapping check used by tests: the extents a file's device reports. */
    public static List<Extent> extents(BlockDevice d) throws IOException {
        List<Extent> out = new ArrayList<>();
        for (long pos = 0; pos < d.size(); ) {
            Extent e = d.mapping(pos, Long.MAX_VALUE);
            out.add(e);
            pos = e.end();
        }
        return out;
    }
}
