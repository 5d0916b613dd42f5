package dev.platter.cli.guest;

import dev.platter.cli.output.Stdout;
import dev.platter.core.BlockDevice;
import dev.platter.inspect.guest.Guest;
import dev.platter.inspect.guest.GuestFile;
import dev.platter.inspect.guest.Mounts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code platter cat}: virt-cat. Each file's bytes, in order, to stdout; symlinks followed inside the guest. */
@Command(name = "cat", sortOptions = false, description = "Display files in a guest (like virt-cat).")
public final class CatCommand implements Callable<Integer> {
    private static final int CHUNK = 1 << 20;

    @Spec
    CommandSpec spec;

    @Mixin
    GuestArgs guest;

    @Option(names = "--help", usageHelp = true, description = "Show this help.")
    boolean help;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Files to display.")
    List<String> files;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        OutputStream out = Stdout.bytes();
        int errors = 0;
        try (Guest g = guest.open(true)) {
            Mounts m = guest.mount(g, err);
            for (String file : files) {
                try {
                    GuestFile f = m.stat(file);
                    try (BlockDevice dev = m.open(f)) {
                        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(1, dev.size())));
                        for (long pos = 0; pos < dev.size(); ) {
                            int n = (int) Math.min(buf.capacity(), dev.size() - pos);
                            buf.clear().limit(n);
                            dev.read(pos, buf);
                            out.write(buf.array(), 0, n);
                            pos += n;
                        }
                    }
                } catch (IOException e) {
                    out.flush();
                    err.println("platter: " + e.getMessage());
                    errors++;
                }
            }
            out.flush();
            guest.printWarnings(g, err);
        }
        return errors == 0 ? 0 : 1;
    }
}
