package dev.platter.inspect.ops;

import dev.platter.inspect.guest.Errno;
import dev.platter.inspect.guest.Guest;
import dev.platter.inspect.guest.GuestFileException;
import dev.platter.inspect.guest.Mounts;
import dev.platter.inspect.testing.FakeFs;
import dev.platter.inspect.testing.FakeGuest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one tree walk: order, contexts, mount points, cycles, depth bound and what an error does. */
class TreeWalkTest {
    @TempDir
    Path tmp;
    FakeGuest fg;
    Guest guest;
    List<String> warnings = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        fg = new FakeGuest(tmp);
        FakeFs r = fg.root;
        FakeFs.Node t = r.dir(r.root(), "t");
        r.file(t, "b", "b\n");
        FakeFs.Node a = r.dir(t, "a");
        r.file(a, "z", "z\n");
        r.symlink(t, "C", "a");
    }

    @AfterEach
    void close() throws IOException {
        guest.close();
    }

    private Mounts mounts() throws IOException {
        guest = fg.open();
        return guest.mountOperatingSystem();
    }

    /** Every entry as "depth path" with the parent's context, walking into every directory. */
    private List<String> walk(Mounts m, String top, TreeWalk.Order order, int maxDepth) throws IOException {
        List<String> seen = new ArrayList<>();
        new TreeWalk<String>(m, order, maxDepth, warnings::add).walk(m.stat(top), "<" + top + ">", (ctx, e) -> {
            seen.add(e.depth() + " " + ctx + " " + str(e.path()) + (e.seenBefore() ? " (seen)" : ""));
            return str(e.path());
        });
        return seen;
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void onDiskAndSortedOrderWithContexts() throws IOException {
        Mounts m = mounts();
        assertEquals(List.of("1 </t> b", "1 </t> a", "2 a a/z", "1 </t> C"), walk(m, "/t", TreeWalk.Order.ON_DISK,
                TreeWalk.MAX_DEPTH));
        assertEquals(List.of("1 </t> C", "1 </t> a", "2 a a/z", "1 </t> b"), walk(m, "/t", TreeWalk.Order.SORTED,
                TreeWalk.MAX_DEPTH));
        assertEquals(List.of(), warnings);
    }

    @Test
    void mountPointsAreCrossed() throws IOException {
        Mounts m = mounts();
        List<String> all = walk(m, "/", TreeWalk.Order.SORTED, TreeWalk.MAX_DEPTH);
        assertTrue(all.contains("2 data data/README"), all.toString());
        assertTrue(all.contains("2 boot boot/vmlinuz"), all.toString());
    }

    @Test
    void cyclesAreMetOnceAndNeverWalkedInto() throws IOException {
        FakeFs r = fg.root;
        FakeFs.Node x = r.dir(r.root(), "x");
        FakeFs.Node y = r.dir(x, "y");
        r.link(y, FakeFs.bytes("back"), x);
        r.link(y, FakeFs.bytes("self"), y);
        List<String> all = walk(mounts(), "/x", TreeWalk.Order.SORTED, TreeWalk.MAX_DEPTH);
        assertEquals(List.of("1 </x> y", "2 y y/back (seen)", "2 y y/self (seen)"), all);
        assertEquals(2, warnings.stream().filter(w -> w.contains("seen before")).count(), warnings.toString());
    }

    @Test
    void depthIsBounded() throws IOException {
        FakeFs r = fg.root;
        FakeFs.Node d = r.dir(r.root(), "deep");
        for (int i = 0; i < 10; i++) {
            d = r.dir(d, "d" + i);
        }
        List<String> all = walk(mounts(), "/deep", TreeWalk.Order.ON_DISK, 4);
        assertEquals(4, all.size(), all.toString());
        assertEquals("4 d0/d1/d2 d0/d1/d2/d3", all.get(3));
        assertEquals(List.of("/deep/d0/d1/d2/d3: deeper than 4 levels, not walked further"), warnings);
    }

    @Test
    void failuresGoToTheVisitorAndAThrowEndsTheWalkOnce() throws IOException {
        Mounts m = mounts();
        List<String> failed = new ArrayList<>();
        IOException boom = new IOException("boom");
        TreeWalk.Visitor<String> v = new TreeWalk.Visitor<>() {
            @Override
            public String visit(String parent, TreeWalk.Entry e) throws IOException {
                if (str(e.name()).equals("z")) {
                    throw boom;
                }
                return "";
            }

            @Override
            public void failed(TreeWalk.Entry e, IOException ex) throws IOException {
                failed.add(str(e.path()));
                throw ex;
            }
        };
        IOException thrown = assertThrows(IOException.class,
                () -> new TreeWalk<String>(m, TreeWalk.Order.ON_DISK, warnings::add).walk(m.stat("/t"), "", v));
        assertSame(boom, thrown);
        assertEquals(List.of("a/z"), failed, "the enclosing directory's entry is not told again");
    }

    @Test
    void theTopMustBeADirectory() throws IOException {
        Mounts m = mounts();
        GuestFileException e = assertThrows(GuestFileException.class, () -> new TreeWalk<String>(m,
                TreeWalk.Order.ON_DISK, warnings::add).walk(m.stat("/t/b"), "", (c, x) -> null));
        assertEquals(Errno.ENOTDIR, e.errno());
    }
}
