package dev.platter.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The training run behind the launcher's class-data-sharing archive: runs a few representative command lines on
 * scratch files so that the classes they load (picocli's models of every command, the formats, JNA) are archived
 * and later starts skip parsing them. Run with {@code -Dplatter.cds.training=true}; prints nothing.
 */
final class CdsTraining {
    private CdsTraining() {
    }

    static void run() throws IOException {
        Path dir = Files.createTempDirectory("platter-cds");
        try {
            String raw = dir.resolve("train.raw").toString();
            String qcow2 = dir.resolve("train.qcow2").toString();
            for (List<String> args : List.of(
                    List.of("--help"),
                    List.of("create", "-q", "-f", "raw", raw, "1M"),
                    List.of("info", "-f", "raw", raw),
                    List.of("info", "--output=json", raw),
                    List.of("create", "-q", "-f", "qcow2", qcow2, "1G"),
                    List.of("info", "--output=json", qcow2),
                    List.of("check", qcow2),
                    List.of("convert", "-f", "raw", "-O", "qcow2", raw, qcow2),
                    List.of("map", "--output=json", qcow2),
                    List.of("compare", "-f", "raw", "-F", "qcow2", raw, qcow2),
                    List.of("measure", "--output=json", "-O", "qcow2", qcow2))) {
                PrintWriter sink = new PrintWriter(OutputStream.nullOutputStream());
                Main.run(args.toArray(new String[0]), sink, sink);
            }
            dev.platter.cli.guest.GuestTraining.run(dir);
            dev.platter.cli.guest.XfsTraining.run(dir);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
