package dev.platter.inspect.ops;

import dev.platter.inspect.guest.GuestFile;
import dev.platter.inspect.guest.Mounts;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The one walk of a mounted guest directory tree, shared by every operation that goes through a tree (copy-out,
 * tar-out, ls -R, ls -lR): pre-order, each directory's entries in on-disk order or sorted as strcmp sorts them,
 * names and paths as bytes. The entries come from {@link Mounts#list}, so invalid names and second entries of one
 * name are already gone (with the mount table's warnings) and mount points are crossed.
 *
 * <p>Bounded and cycle-safe whatever the guest's bytes say: a directory met a second time (only a damaged
 * filesystem can name one directory twice) is reported to the visitor as {@link Entry#seenBefore() seen before}
 * and never walked into, and directories more than {@code maxDepth} levels below the top are not listed. Both end
 * in a warning, handed to the warning sink the walk was made with.
 *
 * <p>What happens at each entry is the {@link Visitor}'s business. Each directory carries a context of the
 * visitor's choosing (the host folder being written, the archive name prefix ...): the context returned for a
 * directory is the one its entries are visited with.
 *
 * @param <C> the visitor's per-directory context
 */
public final class TreeWalk<C> {
    /** Deepest level walked by default (Linux paths cannot be longer than 4096 bytes anyway). */
    public static final int MAX_DEPTH = 2048;

    /** The order of a directory's entries. */
    public enum Order {
        /** As the filesystem stores them (what find, cp -r and tar see). */
        ON_DISK,
        /** Sorted as strcmp sorts their names (unsigned bytes). */
        SORTED
    }

    /**
     * One entry met by the walk.
     *
     * @param name       the entry's name, as stored
     * @param path       its path relative to the top, components joined by '/' (no leading slash)
     * @param file       the file it names (symlinks not followed, mount points crossed)
     * @param depth      1 for the entries of the top directory, 2 below them, and so on
     * @param seenBefore for a directory: it was met before in this walk (a cycle in a damaged filesystem), so it
     *                   is not walked into
     */
    public record Entry(byte[] name, byte[] path, GuestFile file, int depth, boolean seenBefore) {
        /** True for a directory the walk goes into when the visitor asks for it. */
        public boolean walkable() {
            return file.isDirectory() && !seenBefore;
        }
    }

    /** What to do at each entry. */
    public interface Visitor<C> {
        /**
         * An entry of the directory whose context is {@code parent}. For a directory that is {@link
         * Entry#walkable() walkable}, return the context of its own entries to walk into it, or null to leave it
         * out; for anything else the result is ignored.
         */
        C visit(C parent, Entry entry) throws IOException;

        /** After the entries of a directory that was walked into, with the context its entries had. */
        default void leave(C context, Entry directory) throws IOException {
        }

        /**
         * An IOException while visiting {@code entry}, listing it (a directory) or leaving it. Return to go on with
         * the next entry; throw to end the walk (the exception then leaves {@link #walk} without being handed to
         * the enclosing directories' entries). By default, throws.
         */
        default void failed(Entry entry, IOException e) throws IOException {
            throw e;
        }
    }

    private final Mounts mounts;
    private final Order order;
    private final int maxDepth;
    private final Consumer<String> warnings;
    private final Set<String> visited = new HashSet<>();
    private IOException ending;

    /**
     * A walk over {@code mounts} in {@code order}, {@link #MAX_DEPTH} levels deep at most.
     *
     * @param warnings receives each cycle and depth limit met, when it is met (the mount table's own warnings,
     *                 about the entries it drops, stay in {@link Mounts#warnings()})
     */
    public TreeWalk(Mounts mounts, Order order, Consumer<String> warnings) {
        this(mounts, order, MAX_DEPTH, warnings);
    }

    /** A walk over {@code mounts} in {@code order}, {@code maxDepth} levels below the top at most. */
    public TreeWalk(Mounts mounts, Order order, int maxDepth, Consumer<String> warnings) {
        if (maxDepth < 1) {
            throw new IllegalArgumentException("maxDepth must be at least 1");
        }
        this.mounts = mounts;
        this.order = order;
        this.maxDepth = maxDepth;
        this.warnings = warnings;
    }

    /**
     * Walks the tree below directory {@code top}, whose entries get {@code context}. An IOException listing the
     * top itself (ENOTDIR when it is no directory) ends the walk; below it, see {@link Visitor#failed}. One
     * TreeWalk can walk several trees; a directory walked by an earlier one counts as seen before.
     */
    public void walk(GuestFile top, C context, Visitor<C> visitor) throws IOException {
        visited.add(key(top));
        ending = null;
        entries(top, new byte[0], context, 1, visitor);
    }

    private void entries(GuestFile dir, byte[] path, C context, int depth, Visitor<C> visitor) throws IOException {
        if (depth > maxDepth) {
            warnings.accept(dir.pathString() + ": deeper than " + maxDepth + " levels, not walked further");
            return;
        }
        List<Mounts.Child> children = mounts.list(dir);
        if (order == Order.SORTED) {
            children = new ArrayList<>(children);
            children.sort((a, b) -> Arrays.compareUnsigned(a.name(), b.name()));
        }
        for (Mounts.Child c : children) {
            GuestFile f = c.file();
            boolean seenBefore = f.isDirectory() && !visited.add(key(f));
            if (seenBefore) {
                warnings.accept(f.pathString() + ": directory seen before (a cycle in a damaged filesystem?), not "
                        + "walked again");
            }
            Entry e = new Entry(c.name(), path.length == 0 ? c.name() : join(path, c.name()), f, depth, seenBefore);
            try {
                C sub = visitor.visit(context, e);
                if (sub != null && e.walkable()) {
                    entries(f, e.path(), sub, depth + 1, visitor);
                    visitor.leave(sub, e);
                }
            } catch (IOException ex) {
                if (ex == ending) {
                    throw ex;
                }
                try {
                    visitor.failed(e, ex);
                } catch (IOException thrown) {
                    ending = thrown;
                    throw thrown;
                }
            }
        }
    }

    /** Identifies a directory across the mounted filesystems. */
    private static String key(GuestFile f) {
        return f.mount().path() + ":" + f.inode();
    }

    private static byte[] join(byte[] dir, byte[] name) {
        byte[] r = Arrays.copyOf(dir, dir.length + 1 + name.length);
        r[dir.length] = '/';
        System.arraycopy(name, 0, r, dir.length + 1, name.length);
        return r;
    }
}
