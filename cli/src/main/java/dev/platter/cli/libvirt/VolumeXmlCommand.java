package dev.platter.cli.libvirt;

import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.libvirt.VolumeXml;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code platter libvirt volume-xml IMAGE}: the {@code <volume>} XML of an image for a storage pool. */
@Command(name = "volume-xml", sortOptions = false,
        description = "Print the libvirt <volume> XML for an image (format, capacity, backing store).")
public final class VolumeXmlCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IMAGE")
    String image;

    @Option(names = {"-f", "--format"}, paramLabel = "FMT", description = "The image's format (default: probed).")
    String format;

    @Override
    public Integer call() throws Exception {
        try (Image img = Images.open(Path.of(image), image, OpenOptions.readOnlyDefaults().withFormat(format))) {
            spec.commandLine().getOut().print(VolumeXml.write(img));
        }
        return 0;
    }
}
