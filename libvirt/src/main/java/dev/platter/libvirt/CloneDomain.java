package dev.platter.libvirt;

import dev.platter.core.ProgressListener;
import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Images;
import dev.platter.core.image.Image;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.ReferenceResolver;
import dev.platter.operation.Convert;
import dev.platter.operation.ConvertOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A new domain from a shut-off one, as virt-clone makes it: new name, UUID and MAC addresses, and a new image for
 * every writable file disk (a full copy in the declared format, or a qcow2 overlay that records the source as its
 * backing file with its declared format). Read-only and shareable disks and empty drives are shared, as virt-clone
 * shares them. If anything fails, the images made so far are deleted and nothing is defined.
 */
public final class CloneDomain {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final LibvirtConnection libvirt;
    private final CloneOptions options;

    public CloneDomain(LibvirtConnection libvirt, CloneOptions options) {
        this.libvirt = libvirt;
        this.options = options;
    }

    /** The new images, in the order of the disks they replace. */
    public List<Path> run(ProgressListener progress) throws IOException {
        DomainState state = libvirt.state(options.source());
        if (state.isActive()) {
            throw new IOException("domain '" + options.source() + "' is " + state + ": shut it down first (its disks"
                    + " change while they are copied)");
        }
        if (nameTaken(options.newName())) {
            throw new IOException("a domain named '" + options.newName() + "' exists already");
        }
        DomainXml domain = DomainXml.parse(libvirt.domainXml(options.source(), true));
        List<Path> made = new ArrayList<>();
        boolean defined = false;
        try {
            int index = 0;
            List<DomainDisk> disks = domain.disks();
            for (DomainDisk disk : disks) {
                if (!disk.device().equals("disk") || disk.readOnly() || disk.source() == null) {
                    continue;
                }
                if (disk.source().kind() != DiskSource.Kind.FILE) {
                    throw new IOException("disk " + disk.target() + " is " + disk.source().kind().name()
                            .toLowerCase() + " " + disk.source().describe() + ": clone copies file disks only");
                }
                Path source = Path.of(disk.source().path());
                String declared = disk.format() == null ? "raw" : disk.format();
                String format = options.linked() ? "qcow2" : declared;
                Path target = index < options.files().size() ? options.files().get(index)
                        : defaultPath(source, format, index);
                index++;
                if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IOException(target + " exists already: clone never overwrites a file");
                }
                List<BackingLayer> chain = List.of();
                made.add(target);
                if (options.linked()) {
                    long size;
                    try (Image src = Images.open(source, OpenOptions.readOnlyDefaults().withFormat(declared))) {
                        size = src.size();
                    }
                    Images.format("qcow2").create(target, size, CreateOptions.of(Map.of(
                            "backing_file", source.toAbsolutePath().normalize().toString(), "backing_fmt", declared)));
                    List<BackingLayer> below = new ArrayList<>();
                    below.add(new BackingLayer(declared, DiskSource.file(source.toAbsolutePath().normalize()
                            .toString())));
                    below.addAll(disk.chain());
                    chain = below;
                } else {
                    Convert.run(ConvertOptions.builder(List.of(source), target).sourceFormat(declared)
                            .targetFormat(format).resolver(DeclaredFormats.of(ReferenceResolver.relativeToImage(),
                                    List.of(disk))).build(), progress);
                }
                domain.replaceSource(disk.target(), DiskSource.file(target.toAbsolutePath().normalize().toString()),
                        format, chain);
                if (options.linked() && !disk.chainTerminated() && !declared.equals("raw")) {
                    // The source's own chain is read from its header by libvirt, as it was for the source domain.
                    domain.unterminateChain(disk.target());
                }
            }
            domain.setName(options.newName());
            domain.setUuid(UUID.randomUUID().toString());
            for (var mac : domain.macElements()) {
                mac.setAttribute("address", newMac());
            }
            domain.dropIdentity();
            libvirt.define(domain.toXml());
            defined = true;
            return made;
        } finally {
            if (!defined) {
                for (Path p : made) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private boolean nameTaken(String name) throws IOException {
        try {
            libvirt.state(name);
            return true;
        } catch (LibvirtException e) {
            return false;
        }
    }

    /** {@code /images/web1.raw} for the first disk of clone {@code web2} becomes {@code /images/web2.raw}. */
    private Path defaultPath(Path source, String format, int index) {
        String name = options.newName() + (index == 0 ? "" : "-" + index) + "." + format;
        return source.toAbsolutePath().resolveSibling(name);
    }

    /** A random MAC in QEMU's locally administered 52:54:00 range, as libvirt assigns them. */
    static String newMac() {
        byte[] b = new byte[3];
        RANDOM.nextBytes(b);
        return "52:54:00:" + HexFormat.ofDelimiter(":").formatHex(b);
    }
}
