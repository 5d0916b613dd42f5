package dev.platter.cli.guest;

import dev.platter.cli.CliException;
import dev.platter.inspect.guest.DiskSpec;
import dev.platter.libvirt.DomainDisk;
import dev.platter.libvirt.DomainState;
import dev.platter.libvirt.DomainXml;
import dev.platter.libvirt.VirshSession;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The disks {@code -d DOMAIN} adds, in the domain's order, each pinned to its declared format (a disk without
 * {@code <driver type>} is raw, as libvirt hands it to QEMU; nothing is probed), the disks as declared (their
 * backing chains' formats), the domain's name, and whether it runs.
 */
record DomainDisks(String name, List<DiskSpec> disks, List<DomainDisk> declared, boolean running) {

    static DomainDisks read(String uri, String domain) throws IOException {
        try (VirshSession libvirt = VirshSession.open(uri)) {
            DomainState state = libvirt.state(domain);
            // A running guest's live XML is what QEMU has open; a shut-off one's is its definition.
            DomainXml xml = DomainXml.parse(libvirt.domainXml(domain, !state.isActive()));
            List<DiskSpec> specs = new ArrayList<>();
            List<DomainDisk> read = new ArrayList<>();
            for (DomainDisk d : xml.disks()) {
                if (d.source() == null) {
                    continue;
                }
                if (!d.source().isLocal()) {
                    throw new CliException("disk " + d.target() + " of domain '" + xml.name() + "' is "
                            + d.source().describe() + ": only file and block-device disks can be read");
                }
                specs.add(new DiskSpec(Path.of(d.source().path()), d.format() == null ? "raw" : d.format()));
                read.add(d);
            }
            if (specs.isEmpty()) {
                throw new CliException("domain '" + xml.name() + "' has no disk to read");
            }
            return new DomainDisks(xml.name(), specs, read, state.isActive());
        }
    }
}
