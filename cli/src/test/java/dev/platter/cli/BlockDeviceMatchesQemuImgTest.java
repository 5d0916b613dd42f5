package dev.platter.cli;

import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.testdata.LoopDevice;
import dev.platter.testdata.RequiresLoopDevices;
import dev.platter.testdata.RequiresTool;
import dev.platter.testdata.Tool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Host block devices (loop devices with 512- and 4096-byte sectors) as subjects, sources and targets of the image
 * commands, run side by side with qemu-img 7.2 on the same device: the same output, exit status and messages, and
 * the same bytes on the device afterwards (convert, dd and create write into a device whose old content is 0xff,
 * so whatever is not written shows).
 */
@RequiresTool({"qemu-img", "qemu-io"})
@RequiresLoopDevices
class BlockDeviceMatchesQemuImgTest {
    private static final int MIB = 1 << 20;
    private static final int DEVICE = 8 * MIB;

    @TempDir
    Path dir;

    /** What one tool did: exit status, output, and the device's bytes afterwards. */
    private record Run(int exit, String out, String err, byte[] device) {
    }

    private Run qemu(Path device, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("qemu-img"));
        cmd.addAll(args);
        Tool.Result r = Tool.run(cmd.toArray(new String[0]));
        // qemu-img's error prefix is the program's name, as Platter's is.
        return new Run(r.exitCode(), r.stdout(), r.stderr().replaceAll("(?m)^qemu-img: ", "platter: "),
                read(device));
    }

    private Run platter(Path device, List<String> args) throws IOException {
        Cli.Result r = Cli.run(args.toArray(new String[0]));
        return new Run(r.exit(), r.out(), r.err(), read(device));
    }

    private static byte[] read(Path device) throws IOException {
        try (FileChannel ch = FileChannel.open(device, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate((int) ch.size());
            while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
                // read on
            }
            return b.array();
        }
    }

    /** Makes the device hold 0xff in every byte, through the device. */
    private static void stale(Path device) throws IOException {
        try (FileChannel ch = FileChannel.open(device, StandardOpenOption.WRITE)) {
            byte[] ff = new byte[(int) ch.size()];
            Arrays.fill(ff, (byte) 0xff);
            ByteBuffer b = ByteBuffer.wrap(ff);
            while (b.hasRemaining()) {
                ch.write(b, b.position());
            }
            ch.force(true);
        }
    }

    /** The words of {@code command} with DEV and the names in {@code names} replaced, alone or after '='. */
    private static List<String> args(LoopDevice dev, Map<String, String> names, String command) {
        Map<String, String> all = new TreeMap<>(names);
        all.put("DEV", dev.toString());
        List<String> args = new ArrayList<>();
        for (String w : command.split(" ")) {
            String v = all.getOrDefault(w, w);
            int eq = v.indexOf('=');
            if (eq > 0 && all.containsKey(v.substring(eq + 1))) {
                v = v.substring(0, eq + 1) + all.get(v.substring(eq + 1));
            }
            args.add(v);
        }
        return args;
    }

    /** Runs {@code command} (DEV, SRC ... replaced) with both tools on the stale device; both must agree. */
    private void same(LoopDevice dev, Map<String, String> names, String command) throws IOException {
        List<String> args = args(dev, names, command);
        stale(dev.path());
        Run q = qemu(dev.path(), args);
        stale(dev.path());
        Run p = platter(dev.path(), args);
        assertEquals(q.exit() + "\n" + q.out() + q.err(), p.exit() + "\n" + p.out() + p.err(), command);
        assertArrayEquals(q.device(), p.device(), command + ": the device's bytes differ from qemu-img's");
    }

    /** A raw file of {@code size} bytes: random data, zero-filled data and holes. */
    private Path source(String name, int size) throws IOException {
        Path f = dir.resolve(name);
        Random r = new Random(size);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(size);
            for (int off = 4096; off + 400_000 < size; off += 1_500_000) {
                byte[] chunk = new byte[300_000];
                r.nextBytes(chunk);
                Arrays.fill(chunk, 100_000, 170_000, (byte) 0);
                raf.seek(off);
                raf.write(chunk);
            }
        }
        return f;
    }

    private LoopDevice device(int sector, boolean readOnly) throws IOException {
        Path back = dir.resolve("dev-" + sector + ".img");
        try (RandomAccessFile raf = new RandomAccessFile(back.toFile(), "rw")) {
            raf.setLength(DEVICE);
        }
        return LoopDevice.attach(back, sector, readOnly);
    }

    private Map<String, String> sources() throws IOException {
        Map<String, String> n = new TreeMap<>();
        n.put("SRC", source("src.raw", 6 * MIB).toString());
        n.put("BIG", source("big.raw", DEVICE + MIB).toString());
        String q = dir.resolve("src.qcow2").toString();
        Tool.run("qemu-img", "convert", "-O", "qcow2", n.get("SRC"), q).ok();
        Tool.run("qemu-io", "-f", "qcow2", "-c", "write -z 1M 1M", "-c", "write -P 0x3c 3M 64k", q).ok();
        n.put("QSRC", q);
        return n;
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096})
    void convertAndDdIntoADevice(int sector) throws Exception {
        Map<String, String> n = sources();
        try (LoopDevice dev = device(sector, false)) {
            for (String c : List.of("convert -O raw SRC DEV", "convert -n -O raw SRC DEV",
                    "convert -n --target-is-zero -O raw SRC DEV", "convert -S 0 -O raw SRC DEV",
                    "convert -n -S 64k -O raw SRC DEV", "convert -n -t none -O raw SRC DEV",
                    "convert -n -t writeback -O raw QSRC DEV", "convert -n -W -m 4 -O raw SRC DEV",
                    "convert -O raw QSRC DEV", "convert -n -f qcow2 -O raw QSRC DEV", "convert -O raw SRC QSRC DEV",
                    "dd -O raw bs=64k if=SRC of=DEV", "dd -f qcow2 -O raw if=QSRC of=DEV count=100 skip=3",
                    "convert -O raw BIG DEV", "convert -n -O raw BIG DEV", "convert -n -O raw -o size=1M SRC DEV",
                    "convert -O qcow2 SRC DEV", "convert -O qcow2 QSRC DEV", "convert -c -O qcow2 SRC DEV",
                    "convert -n -O qcow2 SRC DEV")) {
                same(dev, n, c);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096})
    void createAndResizeOnADevice(int sector) throws Exception {
        try (LoopDevice dev = device(sector, false)) {
            for (String c : List.of("create -f raw DEV 1M", "create -f raw DEV 1000", "create -f raw DEV 0",
                    "create -f raw DEV 8M", "create -f raw DEV 9M", "create -q -f raw DEV 2M",
                    "create -f raw -o preallocation=falloc DEV 1M", "create -f raw -o preallocation=full DEV 1M",
                    "create -f raw DEV", "resize -f raw DEV 8M", "resize -f raw --shrink DEV 4M",
                    "resize -f raw DEV 16M", "resize -f raw DEV 4M", "create -f qcow2 DEV 4M",
                    "create -f qcow2 -o cluster_size=4k DEV 64M", "create -f qcow2 DEV 1T")) {
                same(dev, Map.of(), c);
            }
        }
    }

    /** info, map, check, compare and measure of a device holding raw data, then of one holding a qcow2 image. */
    @ParameterizedTest
    @ValueSource(ints = {512, 4096})
    void aDeviceAsTheSubject(int sector) throws Exception {
        Map<String, String> n = sources();
        try (LoopDevice dev = device(sector, false)) {
            List<String> raw = List.of("info DEV", "info --output=json DEV", "info -f raw DEV", "map DEV",
                    "map --output=json DEV", "map --output=json --start-offset=1M --max-length=3M DEV", "check DEV",
                    "check --output=json DEV", "compare DEV SRC", "compare -s DEV SRC", "compare -s SRC DEV",
                    "compare DEV DEV", "measure -O qcow2 DEV", "measure --output=json -O raw DEV");
            List<String> qcow2 = List.of("info DEV", "info --output=json DEV", "map DEV", "map --output=json DEV",
                    "check DEV", "check --output=json DEV", "compare DEV QSRC", "compare -s DEV QSRC",
                    "measure -O qcow2 DEV");
            for (String fmt : List.of("raw", "qcow2")) {
                // The device holds the raw source's bytes, or a qcow2 image of the qcow2 source.
                stale(dev.path());
                if (fmt.equals("raw")) {
                    Tool.run("qemu-img", "convert", "-n", "-O", "raw", n.get("SRC"), dev.toString()).ok();
                } else {
                    Tool.run("qemu-img", "convert", "-O", "qcow2", n.get("QSRC"), dev.toString()).ok();
                }
                for (String c : fmt.equals("raw") ? raw : qcow2) {
                    List<String> args = args(dev, n, c);
                    Run q = qemu(dev.path(), args);
                    Run p = platter(dev.path(), args);
                    assertEquals(q.exit() + "\n" + q.out() + q.err(), p.exit() + "\n" + p.out() + p.err(),
                            fmt + " on the device: " + c);
                }
            }
        }
    }

    /**
     * A device as a convert source: the target Platter writes has qemu-img's allocation (the device reports all data;
     * zero detection makes the holes) and equals the target made from the file behind the device.
     */
    @Test
    void convertFromADevice() throws Exception {
        Path back = dir.resolve("back.img");
        Files.copy(source("src.raw", DEVICE), back);
        try (LoopDevice dev = LoopDevice.attach(back)) {
            for (String fmt : List.of("raw", "qcow2", "qcow2 -c")) {
                String[] f = fmt.split(" ");
                String qemuOut = dir.resolve("q." + f[0]).toString();
                String ours = dir.resolve("p." + f[0]).toString();
                String fromFile = dir.resolve("f." + f[0]).toString();
                List<String> args = new ArrayList<>(List.of("convert", "-O", f[0]));
                args.addAll(Arrays.asList(f).subList(1, f.length));
                List<String> q = new ArrayList<>(List.of("qemu-img"));
                q.addAll(args);
                q.addAll(List.of(dev.toString(), qemuOut));
                Tool.run(q.toArray(new String[0])).ok();
                List<String> p = new ArrayList<>(args);
                p.addAll(List.of(dev.toString(), ours));
                Cli.Result r = Cli.run(p.toArray(new String[0]));
                assertEquals(0, r.exit(), r.err());
                p.set(p.size() - 2, back.toString());
                p.set(p.size() - 1, fromFile);
                assertEquals(0, Cli.run(p.toArray(new String[0])).exit());
                String map = Tool.run("qemu-img", "map", "--output=json", qemuOut).ok().stdout();
                assertEquals(map, Tool.run("qemu-img", "map", "--output=json", ours).ok().stdout(), fmt);
                assertEquals(map, Tool.run("qemu-img", "map", "--output=json", fromFile).ok().stdout(), fmt);
                assertEquals("Images are identical.\n",
                        Tool.run("qemu-img", "compare", dev.toString(), ours).ok().stdout(), fmt);
            }
        }
    }

    /** The lock bytes Platter takes on a device equal qemu-img's, for raw and qcow2 content, read and write. */
    @Test
    void lockBytesOnADeviceEqualQemus() throws Exception {
        Map<String, String> n = sources();
        try (LoopDevice dev = device(512, false)) {
            for (String[] c : new String[][] {{"raw", "ro"}, {"raw", "rw"}, {"raw", "U"}, {"qcow2", "ro"},
                    {"qcow2", "U"}}) {
                if (c[0].equals("qcow2")) {
                    Tool.run("qemu-img", "convert", "-O", "qcow2", n.get("SRC"), dev.toString()).ok();
                }
                List<String> cmd = new ArrayList<>(List.of("qemu-img", "bench", "-c", "1000000000", "-d", "1",
                        "-f", c[0]));
                if (c[1].equals("rw")) {
                    cmd.add("-w");
                } else if (c[1].equals("U")) {
                    cmd.add("-U");
                }
                cmd.add(dev.toString());
                Process bench = new ProcessBuilder(cmd).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                String qemu;
                try {
                    qemu = waitForLocks(dev.path());
                } finally {
                    bench.destroyForcibly().waitFor();
                }
                OpenOptions o = (c[1].equals("rw") ? OpenOptions.readWriteDefaults() : OpenOptions.readOnlyDefaults())
                        .withFormat(c[0]).withForceShare(c[1].equals("U"));
                String ours;
                try (Image i = Images.open(dev.path(), o)) {
                    ours = locks(dev.path());
                }
                assertEquals(qemu, ours, String.join(" ", c));
            }
        }
    }

    /**
     * A running qemu holding the device keeps Platter out exactly as it keeps qemu-img out (a raw writer shares
     * everything, a qcow2 one nothing), and Platter holding it keeps qemu-img out.
     */
    @Test
    void locksKeepWritersOfADeviceApart() throws Exception {
        Map<String, String> n = sources();
        try (LoopDevice dev = device(512, false)) {
            for (String fmt : List.of("raw", "qcow2")) {
                Tool.run("qemu-img", "convert", "-O", fmt, n.get("SRC"), dev.toString()).ok();
                Process holder = new ProcessBuilder("qemu-io", "-f", fmt, dev.toString())
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                try {
                    waitForLocks(dev.path());
                    for (String c : List.of("info DEV", "map --output=json -f raw DEV", "convert -n -O raw SRC DEV",
                            "create -f raw DEV 1M", "convert -O raw SRC DEV")) {
                        List<String> args = args(dev, n, c);
                        // Output and exit status only: with a raw holder the writes get through, for both tools.
                        Run q = qemu(dev.path(), args);
                        Run p = platter(dev.path(), args);
                        assertEquals(q.exit() + "\n" + q.out() + q.err(), p.exit() + "\n" + p.out() + p.err(),
                                fmt + " held: " + c);
                    }
                } finally {
                    try (OutputStream in = holder.getOutputStream()) {
                        in.flush();
                    }
                    holder.waitFor();
                }
            }
            // Platter holding the device as a reader of qcow2 content: qemu-img cannot write it.
            Tool.run("qemu-img", "convert", "-O", "qcow2", n.get("SRC"), dev.toString()).ok();
            try (Image held = Images.open(dev.path(), OpenOptions.readOnlyDefaults())) {
                Tool.Result r = Tool.run("qemu-img", "convert", "-n", "-O", "raw", n.get("SRC"), dev.toString());
                assertEquals(1, r.exitCode());
                assertEquals("qemu-img: Could not open '" + dev + "': Failed to get \"write\" lock\n"
                        + "Is another process using the image [" + dev + "]?\n", r.stderr());
            }
        }
    }

    @Test
    void aReadOnlyDevice() throws Exception {
        Map<String, String> n = sources();
        try (LoopDevice dev = device(512, true)) {
            for (String c : List.of("convert -n -O raw SRC DEV", "convert -O raw SRC DEV", "create -f raw DEV 1M",
                    "resize -f raw DEV 8M", "info DEV", "map --output=json DEV")) {
                List<String> args = args(dev, n, c);
                Run q = qemu(dev.path(), args);
                Run p = platter(dev.path(), args);
                assertEquals(q.exit() + "\n" + q.out() + q.err(), p.exit() + "\n" + p.out() + p.err(), c);
            }
        }
    }

    private static String waitForLocks(Path device) throws Exception {
        for (int i = 0; i < 400; i++) {
            String l = locks(device);
            if (!l.isEmpty()) {
                Thread.sleep(200);
                return locks(device);
            }
            Thread.sleep(25);
        }
        throw new AssertionError("qemu took no locks on " + device);
    }

    /** The byte ranges of the OFD locks on the device node ("100-101 201-201"). */
    private static String locks(Path device) throws IOException {
        long inode = (long) Files.getAttribute(device, "unix:ino");
        List<String> ranges = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/locks"))) {
            String[] w = line.trim().split("\\s+");
            if (line.contains("OFDLCK") && line.contains(":" + inode + " ")) {
                ranges.add(w[w.length - 2] + "-" + w[w.length - 1]);
            }
        }
        ranges.sort(null);
        return String.join(" ", ranges);
    }
}
