package dev.platter.benchmarks;

import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.inspect.fs.FsOptions;
import dev.platter.inspect.fs.GuestFileSystem;
import dev.platter.inspect.xfs.XfsFileSystem;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The cost of XFS log recovery in memory: opens a dirty-log image RUNS times with replay and without, and prints the
 * median wall time of each (the difference is the replay: head and tail search, two passes over the records,
 * replay) and the heap a replayed filesystem keeps (after a full GC, with it open: the overlay of replayed blocks).
 * Usage: {@code java -cp benchmarks/target/benchmarks.jar dev.platter.benchmarks.XfsLogReplayCost IMAGE [RUNS]};
 * benchmarks/xfs-log-replay.sh makes the image and runs it.
 */
public final class XfsLogReplayCost {
    private XfsLogReplayCost() {
    }

    public static void main(String[] args) throws Exception {
        Path img = Path.of(args[0]);
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        try (Image image = Images.open(img, OpenOptions.readOnlyDefaults().withFormat("raw"))) {
            long[] replay = new long[runs];
            long[] plain = new long[runs];
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                try (GuestFileSystem fs = XfsFileSystem.open(image, FsOptions.defaults())) {
                    replay[i] = System.nanoTime() - t0;
                    if (i == 0) {
                        System.out.println("# " + fs.journalReplay());
                        fs.warnings().forEach(w -> System.out.println("# " + w));
                    }
                }
                t0 = System.nanoTime();
                try (GuestFileSystem fs = XfsFileSystem.open(image, FsOptions.defaults().withReplayJournal(false))) {
                    plain[i] = System.nanoTime() - t0;
                }
            }
            long before = usedAfterGc();
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                pool.resetPeakUsage();
            }
            long kept;
            try (GuestFileSystem fs = XfsFileSystem.open(image, FsOptions.defaults())) {
                long peak = 0;
                for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                    if (pool.getType() == MemoryType.HEAP) {
                        peak += pool.getPeakUsage().getUsed();
                    }
                }
                System.out.printf("heap peak in replay  %8.1f MiB (all heap pools, from %.1f MiB in use before)%n",
                        peak / 1048576.0, before / 1048576.0);
                kept = usedAfterGc() - before;
                fs.label();
            }
            System.out.printf("open with replay     %8.1f ms (median of %d)%n", median(replay) / 1e6, runs);
            System.out.printf("open without replay  %8.1f ms%n", median(plain) / 1e6);
            System.out.printf("heap kept by replay  %8.1f MiB%n", kept / 1048576.0);
        }
    }

    private static long median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static long usedAfterGc() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
