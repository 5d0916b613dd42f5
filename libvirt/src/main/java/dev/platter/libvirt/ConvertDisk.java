package dev.platter.libvirt;

import dev.platter.core.ProgressListener;
import dev.platter.core.image.ReferenceResolver;
import dev.platter.operation.Compare;
import dev.platter.operation.CompareOptions;
import dev.platter.operation.CompareResult;
import dev.platter.operation.Convert;
import dev.platter.operation.ConvertOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The raw-to-qcow2 swap of a shut-off domain's disk in one step: convert the image the definition declares (with
 * its declared format, never probed), compare the copy with it, then redefine the domain with the new path and
 * {@code <driver type>} in one libvirt call. Until that call nothing about the domain has changed; when anything
 * fails before it, the new image is deleted and the definition is the one read at the start.
 */
public final class ConvertDisk {
    /** Runs between the conversion and the comparison; tests use it to break the copy or the domain. */
    interface Step {
        void run(Path newImage) throws IOException;
    }

    private final LibvirtConnection libvirt;
    private final ConvertDiskOptions options;
    private Step afterConvert = p -> { };

    public ConvertDisk(LibvirtConnection libvirt, ConvertDiskOptions options) {
        this.libvirt = libvirt;
        this.options = options;
    }

    ConvertDisk afterConvert(Step step) {
        this.afterConvert = step;
        return this;
    }

    public ConvertDiskResult run(ProgressListener progress) throws IOException {
        refuseIfActive("");
        String before = libvirt.domainXml(options.domain(), true);
        DomainXml domain = DomainXml.parse(before);
        DomainDisk disk = domain.disk(options.target());
        if (disk.source() == null || disk.source().kind() != DiskSource.Kind.FILE) {
            throw new IOException("disk " + disk.target() + " of domain '" + domain.name() + "' is not a file ("
                    + (disk.source() == null ? "no source" : disk.source().kind().name().toLowerCase()
                    + " " + disk.source().describe()) + "): convert-disk converts file disks only");
        }
        // libvirt reads a disk without <driver type> as raw and never probes it: so does Platter.
        String declared = disk.format() == null ? "raw" : disk.format();
        Path source = Path.of(disk.source().path());
        Path output = options.output() != null ? options.output() : defaultOutput(source, options.format());
        if (output.toAbsolutePath().normalize().equals(source.toAbsolutePath().normalize())) {
            throw new IOException("the new image would replace the old one (" + output + "): choose another path");
        }
        if (Files.exists(output, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(output + " exists already: convert-disk never overwrites a file");
        }
        // The chain below the image opens with the formats the domain declares or the images record, never probed.
        ReferenceResolver chain = DeclaredFormats.of(ReferenceResolver.relativeToImage(), List.of(disk));
        boolean keep = false;
        try {
            Convert.run(ConvertOptions.builder(List.of(source), output).sourceFormat(declared)
                    .targetFormat(options.format()).compress(options.compress())
                    .createOptions(options.createOptions()).resolver(chain).build(), progress);
            afterConvert.run(output);
            CompareResult same = Compare.run(new CompareOptions(source, source.toString(), declared, output,
                    output.toString(), options.format(), false, chain, false), ProgressListener.NONE);
            if (!same.identical()) {
                throw new IOException("the new image " + output + " differs from " + source + ": "
                        + same.message().strip() + " (domain left unchanged, new image deleted)");
            }
            // The domain must still be shut off and defined as it was: another admin may have edited or started it.
            refuseIfActive(" (domain left unchanged, new image deleted)");
            if (!libvirt.domainXml(options.domain(), true).equals(before)) {
                throw new IOException("the definition of domain '" + domain.name() + "' changed during the conversion"
                        + " (domain left unchanged, new image deleted)");
            }
            domain.replaceSource(disk.target(), DiskSource.file(output.toAbsolutePath().normalize().toString()),
                    options.format(), List.of());
            libvirt.define(domain.toXml());
            keep = true;
        } finally {
            if (!keep) {
                Files.deleteIfExists(output);
            }
        }
        boolean removed = false;
        if (options.removeSource()) {
            Files.delete(source);
            removed = true;
        }
        return new ConvertDiskResult(domain.name(), disk.target(), source, declared,
                output.toAbsolutePath().normalize(), options.format(), removed);
    }

    private void refuseIfActive(String suffix) throws IOException {
        DomainState state = libvirt.state(options.domain());
        if (state.isActive()) {
            throw new IOException("domain '" + options.domain() + "' is " + state + ": shut it down first (a running"
                    + " guest keeps writing the old image)" + suffix);
        }
    }

    /** {@code disk.raw} becomes {@code disk.qcow2}; a name without an extension gets one. */
    static Path defaultOutput(Path source, String format) {
        String name = source.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        return source.resolveSibling(stem + "." + format);
    }
}
