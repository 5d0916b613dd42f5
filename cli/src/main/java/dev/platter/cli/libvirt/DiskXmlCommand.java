package dev.platter.cli.libvirt;

import dev.platter.core.image.Image;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.libvirt.DiskXml;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code platter libvirt disk-xml IMAGE}: the {@code <disk>} element that attaches the image with its format and
 * its whole backing chain declared, for {@code virsh attach-device} or a domain definition.
 */
@Command(name = "disk-xml", sortOptions = false,
        description = "Print the libvirt <disk> element for an image: explicit format, full backing chain.")
public final class DiskXmlCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IMAGE")
    String image;

    @Option(names = {"-f", "--format"}, paramLabel = "FMT",
            description = "The image's format (default: probed; pin it for an image a guest has written).")
    String format;

    @Option(names = "--target", paramLabel = "DEV", defaultValue = "vdb", description = "Target device (default vdb).")
    String target;

    @Option(names = "--bus", paramLabel = "BUS", defaultValue = "virtio",
            description = "Target bus: virtio, scsi, sata, ide, usb (default virtio).")
    String bus;

    @Option(names = "--readonly", description = "Attach read-only (<readonly/>), e.g. a base used only for reading.")
    boolean readOnly;

    @Override
    public Integer call() throws Exception {
        try (Image img = Images.open(Path.of(image), image, OpenOptions.readOnlyDefaults().withFormat(format))) {
            spec.commandLine().getOut().print(DiskXml.write(DiskXml.fromImage(img, target, bus, readOnly)));
        }
        return 0;
    }
}
