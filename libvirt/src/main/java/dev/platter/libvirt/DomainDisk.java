package dev.platter.libvirt;

import java.util.List;

/**
 * A {@code <disk>} of a domain, or one Platter writes: what libvirt will hand to QEMU, with the formats it declares.
 * libvirt treats a missing {@code <driver type>} as raw without probing, so {@code format} null is a finding, not
 * a licence to probe.
 *
 * @param device          {@code disk}, {@code cdrom}, {@code floppy} or {@code lun}
 * @param format          the declared format ({@code <driver type>}), or null
 * @param source          the top image, or null (an empty cdrom)
 * @param chain           the images below it, top to bottom, as {@code <backingStore>} elements name them
 * @param chainTerminated whether the chain ends in an empty {@code <backingStore/>}: then libvirt probes nothing
 *                        below it; otherwise libvirt reads the rest of the chain from the images' own headers
 * @param target          {@code <target dev>}, e.g. vda
 * @param bus             {@code <target bus>}, or null
 * @param readOnly        {@code <readonly/>}
 */
public record DomainDisk(String device, String format, DiskSource source, List<BackingLayer> chain,
                         boolean chainTerminated, String target, String bus, boolean readOnly) {

    public DomainDisk {
        chain = List.copyOf(chain);
    }

    /** The same disk with another target name and bus. */
    public DomainDisk withTarget(String dev, String newBus) {
        return new DomainDisk(device, format, source, chain, chainTerminated, dev, newBus, readOnly);
    }

    /** The same disk, read-only or not. */
    public DomainDisk withReadOnly(boolean value) {
        return new DomainDisk(device, format, source, chain, chainTerminated, target, bus, value);
    }
}
