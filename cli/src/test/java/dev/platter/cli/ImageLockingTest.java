package dev.platter.cli;

import dev.platter.core.image.Image;
import dev.platter.core.image.ImageOpenException;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Image locking against the real qemu: Platter takes qemu's lock bytes, so a qemu process holding an image for
 * writing keeps every Platter writer (and reader without -U) out, and Platter holding an image keeps qemu-img and
 * qemu-io out, with qemu's messages; two Platter writers on one image never both write.
 */
@RequiresTool({"qemu-img", "qemu-io"})
class ImageLockingTest {
    @TempDir
    Path dir;

    @Test
    void qemuWriterKeepsPlatterOut() throws Exception {
        String img = qcow2("held.qcow2");
        Tool.run("qemu-img", "create", "-q", "-f", "qcow2", dir.resolve("other.qcow2").toString(), "16M").ok();
        try (QemuIo holder = QemuIo.hold(img, "qcow2", false)) {
            String write = "Could not open '" + img + "': Failed to get \"write\" lock";
            String shared = "Could not open '" + img + "': Failed to get shared \"write\" lock";
            String hint = "Is another process using the image [" + img + "]?";
            for (String[] writer : List.of(new String[] {"snapshot", "-c", "s", img},
                    new String[] {"snapshot", "-a", "s", img}, new String[] {"snapshot", "-d", "s", img},
                    new String[] {"resize", img, "+1M"}, new String[] {"check", "-r", "all", img},
                    new String[] {"check", "-r", "leaks", img}, new String[] {"amend", "-o", "lazy_refcounts=on", img},
                    new String[] {"rebase", "-u", "-b", "", img},
                    new String[] {"convert", "-n", "-O", "qcow2", dir.resolve("other.qcow2").toString(), img},
                    new String[] {"convert", "-O", "qcow2", dir.resolve("other.qcow2").toString(), img})) {
                Cli.Result r = Cli.run(writer);
                assertEquals(1, r.exit(), String.join(" ", writer) + ": " + r.err());
                assertEquals("platter: " + write + "\n" + hint + "\n", r.err(), String.join(" ", writer));
            }
            for (String[] reader : List.of(new String[] {"info", img}, new String[] {"map", img},
                    new String[] {"check", img}, new String[] {"snapshot", "-l", img},
                    new String[] {"measure", "-O", "qcow2", img},
                    new String[] {"convert", "-O", "raw", img, dir.resolve("out.raw").toString()})) {
                Cli.Result r = Cli.run(reader);
                assertEquals(1, r.exit(), String.join(" ", reader) + ": " + r.err());
                assertEquals("platter: " + shared + "\n" + hint + "\n", r.err(), String.join(" ", reader));
                String[] withU = new String[reader.length + 1];
                withU[0] = reader[0];
                withU[1] = "-U";
                System.arraycopy(reader, 1, withU, 2, reader.length - 1);
                Cli.Result u = Cli.run(withU);
                assertEquals(0, u.exit(), String.join(" ", withU) + ": " + u.err());
            }
            // Guest inspection reads a running guest's disks with the shared lock, as libguestfs's read-only mode.
            Cli.Result fs = Cli.run("filesystems", "-a", img);
            assertEquals(0, fs.exit(), fs.err());
            Cli.Result cmp = Cli.run("compare", img, img);
            assertEquals(2, cmp.exit(), cmp.err());
            assertTrue(cmp.err().endsWith(hint + "\n"), cmp.err());
            assertEquals(0, Cli.run("compare", "-U", img, img).exit());
            Cli.Result create = Cli.run("create", "-f", "qcow2", img, "1M");
            assertEquals(1, create.exit(), create.err());
            assertTrue(create.err().contains("Failed to get \"write\" lock"), create.err());
            // -U is for reading only, as in qemu-img.
            Cli.Result bad = Cli.run("snapshot", "-U", "-c", "x", img);
            assertEquals(1, bad.exit());
            assertEquals("platter: force-share=on can only be used with read-only images\n", bad.err());
        }
        Tool.run("qemu-img", "check", img).ok();
        assertEquals("", Tool.run("qemu-img", "snapshot", "-l", img).ok().stdout(), "no writer got through");
    }

    @Test
    void rawFilesAreSharedForWritingAsQemuSharesThem() throws Exception {
        String img = dir.resolve("held.raw").toString();
        Tool.run("qemu-img", "create", "-q", "-f", "raw", img, "16M").ok();
        try (QemuIo holder = QemuIo.hold(img, "raw", false)) {
            // qemu-img info works here too: a raw file carries no metadata to protect.
            Tool.run("qemu-img", "info", img).ok();
            assertEquals(0, Cli.run("info", img).exit());
            assertEquals(0, Cli.run("map", "-f", "raw", img).exit());
        }
    }

    @Test
    void platterWriterKeepsQemuOut() throws Exception {
        String img = qcow2("mine.qcow2");
        try (Image held = Images.open(Path.of(img), OpenOptions.readWriteDefaults().withFormat("qcow2"))) {
            Tool.Result info = Tool.run("qemu-img", "info", img);
            assertEquals(1, info.exitCode(), info.stdout());
            assertEquals("qemu-img: Could not open '" + img + "': Failed to get shared \"write\" lock\n"
                    + "Is another process using the image [" + img + "]?\n", info.stderr());
            Tool.Result io = Tool.run("qemu-io", "-f", "qcow2", "-c", "read 0 512", img);
            assertTrue(io.stderr().contains("Failed to get \"write\" lock"), io.stdout() + io.stderr());
            Tool.run("qemu-img", "info", "-U", img).ok();
            // Within one process, a second writer is refused too (open file description locks).
            ImageOpenException second = assertThrows(ImageOpenException.class,
                    () -> Images.open(Path.of(img), OpenOptions.readWriteDefaults().withFormat("qcow2")).close());
            assertEquals("Could not open '" + img + "': Failed to get \"write\" lock", second.getMessage());
            // ... and a reader that does not share, as qemu would refuse it.
            assertThrows(ImageOpenException.class,
                    () -> Images.open(Path.of(img), OpenOptions.readOnlyDefaults().withFormat("qcow2")).close());
            Images.open(Path.of(img), OpenOptions.readOnlyDefaults().withFormat("qcow2").withForceShare(true)).close();
        }
        Tool.run("qemu-img", "info", img).ok();
    }

    @Test
    void platterReaderKeepsQemuWritersOutButNotReaders() throws Exception {
        String img = qcow2("read.qcow2");
        try (Image held = Images.open(Path.of(img), OpenOptions.readOnlyDefaults().withFormat("qcow2"))) {
            Tool.run("qemu-img", "info", img).ok();
            Tool.Result w = Tool.run("qemu-img", "snapshot", "-c", "x", img);
            assertEquals(1, w.exitCode());
            assertTrue(w.stderr().contains("Failed to get \"write\" lock"), w.stderr());
        }
    }

    @Test
    void twoPlatterWritersNeverBothWrite() throws Exception {
        String img = qcow2("race.qcow2");
        Tool.run("qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 0 8M", img).ok();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<String> made = new ArrayList<>();
        try {
            for (int round = 0; round < 8; round++) {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Cli.Result>> runs = new ArrayList<>();
                for (String who : List.of("A" + round, "B" + round)) {
                    runs.add(pool.submit(() -> {
                        go.await();
                        return Cli.run("snapshot", "-c", who, img);
                    }));
                }
                go.countDown();
                for (int i = 0; i < 2; i++) {
                    Cli.Result r = runs.get(i).get();
                    if (r.exit() == 0) {
                        made.add((i == 0 ? "A" : "B") + round);
                    } else {
                        assertEquals(1, r.exit(), r.err());
                        assertTrue(r.err().contains("Failed to get"), r.err());
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
        Tool.run("qemu-img", "check", img).ok();
        String list = Tool.run("qemu-img", "snapshot", "-l", img).ok().stdout();
        for (String name : made) {
            assertTrue(list.contains(" " + name + " "), "snapshot " + name + " was reported made but is lost:\n" + list);
        }
        long listed = list.isEmpty() ? 0 : list.lines().count() - 2; // "Snapshot list:" and the column titles
        assertEquals(made.size(), listed, list);
        // When both take their lock bytes before either checks, both refuse (qemu has the same window): never both
        // write; over the rounds some writer gets through.
        assertTrue(!made.isEmpty(), "no writer got through in 8 rounds");
    }

    /** The lock bytes themselves, as /proc/locks shows them, equal qemu-img's for every kind of open. */
    @Test
    void lockBytesEqualQemus() throws Exception {
        Tool.run("qemu-img", "create", "-q", "-f", "raw", dir.resolve("b.raw").toString(), "16M").ok();
        Tool.run("qemu-img", "create", "-q", "-f", "qcow2", dir.resolve("b.qcow2").toString(), "16M").ok();
        Tool.run("qemu-img", "create", "-q", "-f", "qcow2", "-b", "b.qcow2", "-F", "qcow2",
                dir.resolve("top.qcow2").toString()).ok();
        Tool.run("qemu-img", "create", "-q", "-f", "qcow2", "-o", "data_file=" + dir.resolve("d.raw"),
                dir.resolve("d.qcow2").toString(), "16M").ok();
        Tool.run("qemu-io", "-f", "qcow2", "-c", "write 0 4k", dir.resolve("d.qcow2").toString()).ok();
        List<String> files = List.of("b.raw", "b.qcow2", "top.qcow2", "d.qcow2", "d.raw");
        for (String[] c : List.of(new String[] {"b.raw", "raw", "ro"}, new String[] {"b.raw", "raw", "rw"},
                new String[] {"b.qcow2", "qcow2", "ro"}, new String[] {"b.qcow2", "qcow2", "rw"},
                new String[] {"b.qcow2", "qcow2", "U"}, new String[] {"top.qcow2", "qcow2", "rw"},
                new String[] {"top.qcow2", "qcow2", "U"}, new String[] {"d.qcow2", "qcow2", "ro"},
                new String[] {"d.qcow2", "qcow2", "rw"})) {
            String what = String.join(" ", c);
            Path image = dir.resolve(c[0]);
            List<String> cmd = new ArrayList<>(List.of("qemu-img", "bench", "-c", "1000000000", "-d", "1", "-f", c[1]));
            if (c[2].equals("rw")) {
                cmd.add("-w");
            } else if (c[2].equals("U")) {
                cmd.add("-U");
            }
            cmd.add(image.toString());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            java.util.Map<String, String> qemu;
            try {
                qemu = waitForLocks(files, image);
            } finally {
                p.destroyForcibly().waitFor();
            }
            OpenOptions o = (c[2].equals("rw") ? OpenOptions.readWriteDefaults() : OpenOptions.readOnlyDefaults())
                    .withFormat(c[1]).withForceShare(c[2].equals("U"));
            java.util.Map<String, String> platter;
            try (Image i = Images.open(image, o)) {
                // qemu-img bench opens the data file at once; Platter when the first data cluster is read.
                i.read(0, java.nio.ByteBuffer.allocate(512));
                platter = locks(files);
            }
            assertEquals(qemu, platter, what);
        }
    }

    /**
     * VMDK extents are locked as qemu locks them: a sparse extent as a file with metadata, a flat one as a data file
     * (others may write it, not resize it); the descriptor as a file with metadata. Read-only and -U (Platter does
     * not write VMDK).
     */
    @Test
    void vmdkExtentLockBytesEqualQemus() throws Exception {
        Tool.run("qemu-img", "create", "-q", "-f", "vmdk", "-o", "subformat=twoGbMaxExtentSparse",
                dir.resolve("s.vmdk").toString(), "16M").ok();
        Tool.run("qemu-img", "create", "-q", "-f", "vmdk", "-o", "subformat=monolithicFlat",
                dir.resolve("f.vmdk").toString(), "16M").ok();
        java.nio.file.Files.writeString(dir.resolve("m.vmdk"), "# Disk DescriptorFile\nversion=1\nCID=1\n"
                + "parentCID=ffffffff\ncreateType=\"twoGbMaxExtentFlat\"\nRW 32768 SPARSE \"s-s001.vmdk\"\n"
                + "RW 32768 FLAT \"f-flat.vmdk\" 0\n");
        List<String> files = List.of("s.vmdk", "s-s001.vmdk", "f.vmdk", "f-flat.vmdk", "m.vmdk");
        for (String[] c : List.of(new String[] {"s.vmdk", "ro"}, new String[] {"f.vmdk", "ro"},
                new String[] {"m.vmdk", "ro"}, new String[] {"m.vmdk", "U"})) {
            Path image = dir.resolve(c[0]);
            List<String> cmd = new ArrayList<>(List.of("qemu-img", "bench", "-c", "1000000000", "-d", "1", "-f",
                    "vmdk"));
            if (c[1].equals("U")) {
                cmd.add("-U");
            }
            cmd.add(image.toString());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            java.util.Map<String, String> qemu;
            try {
                qemu = waitForLocks(files, image);
            } finally {
                p.destroyForcibly().waitFor();
            }
            try (Image i = Images.open(image, OpenOptions.readOnlyDefaults().withFormat("vmdk")
                    .withForceShare(c[1].equals("U")))) {
                assertEquals(qemu, locks(files), String.join(" ", c));
            }
        }
    }

    private java.util.Map<String, String> waitForLocks(List<String> files, Path image) throws Exception {
        for (int i = 0; i < 400; i++) {
            java.util.Map<String, String> l = locks(files);
            if (l.containsKey(image.getFileName().toString())) {
                Thread.sleep(200); // the backing and data files are locked in the same open
                return locks(files);
            }
            Thread.sleep(25);
        }
        throw new AssertionError("qemu-img took no locks on " + image);
    }

    /** File name -> the byte ranges of the OFD locks on it ("100-101 103 201 203"). */
    private java.util.Map<String, String> locks(List<String> files) throws IOException {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        List<String> lines = java.nio.file.Files.readAllLines(Path.of("/proc/locks"));
        for (String f : files) {
            long inode = (long) java.nio.file.Files.getAttribute(dir.resolve(f), "unix:ino");
            List<String> ranges = new ArrayList<>();
            for (String line : lines) {
                String[] w = line.trim().split("\\s+");
                if (line.contains("OFDLCK") && line.contains(":" + inode + " ")) {
                    ranges.add(w[w.length - 2] + "-" + w[w.length - 1]);
                }
            }
            if (!ranges.isEmpty()) {
                ranges.sort(null);
                out.put(f, String.join(" ", ranges));
            }
        }
        return out;
    }

    private String qcow2(String name) {
        String img = dir.resolve(name).toString();
        Tool.run("qemu-img", "create", "-q", "-f", "qcow2", img, "16M").ok();
        return img;
    }
}
