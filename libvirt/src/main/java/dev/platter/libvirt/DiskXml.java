package dev.platter.libvirt;

import dev.platter.core.image.Image;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code <disk>} elements, both ways: written with the format always explicit and the whole backing chain spelled
 * out and terminated (so libvirt never probes: a qcow2 declared raw boots garbage, and probing a guest-writable
 * image is how a guest reads host files), and parsed back from a domain's XML.
 */
public final class DiskXml {
    /** The {@code <driver type>} values libvirt 9.0's schema accepts (no vhdx: convert first). */
    public static final Set<String> LIBVIRT_FORMATS = Set.of("raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc",
            "vdi", "fat", "vhd", "ploop", "luks", "cow", "qcow", "qcow2", "qed", "vmdk");

    private DiskXml() {
    }

    /**
     * The disk an open image makes: its format, its path (a block device as {@code type='block'}) and every image
     * of its backing chain with its format, as Platter opened them (never probed by libvirt).
     */
    public static DomainDisk fromImage(Image image, String target, String bus, boolean readOnly) throws IOException {
        List<BackingLayer> chain = new ArrayList<>();
        for (Image b = image.backing(); b != null; b = b.backing()) {
            chain.add(new BackingLayer(libvirtFormat(b), sourceOf(b)));
        }
        return new DomainDisk("disk", libvirtFormat(image), sourceOf(image), chain, true, target, bus, readOnly);
    }

    private static DiskSource sourceOf(Image image) {
        String path = image.storage().path().toAbsolutePath().normalize().toString();
        return image.storage().isBlockDevice() ? DiskSource.block(path) : DiskSource.file(path);
    }

    /** The image's format under libvirt's name; a format libvirt cannot declare is refused with the reason. */
    public static String libvirtFormat(Image image) throws IOException {
        String name = image.formatName();
        if (!LIBVIRT_FORMATS.contains(name)) {
            throw new IOException(image.storage().path() + ": libvirt cannot declare the format '" + name
                    + "' (its <driver type> has no such value); convert the image to qcow2 or raw first");
        }
        return name;
    }

    /** The disk as a standalone {@code <disk>} element (for {@code attach-device} or a domain). */
    public static String write(DomainDisk disk) {
        Document doc = SafeXml.newDocument();
        doc.appendChild(element(doc, disk));
        return SafeXml.write(doc);
    }

    /** The disk as an element of {@code doc}. */
    public static Element element(Document doc, DomainDisk disk) {
        Element e = doc.createElement("disk");
        e.setAttribute("type", typeOf(disk.source()));
        e.setAttribute("device", disk.device());
        Element driver = doc.createElement("driver");
        driver.setAttribute("name", "qemu");
        if (disk.format() != null) {
            driver.setAttribute("type", disk.format());
        }
        e.appendChild(driver);
        if (disk.source() != null) {
            e.appendChild(source(doc, disk.source()));
            Element parent = e;
            for (BackingLayer layer : disk.chain()) {
                Element store = doc.createElement("backingStore");
                store.setAttribute("type", typeOf(layer.source()));
                if (layer.format() != null) {
                    Element format = doc.createElement("format");
                    format.setAttribute("type", layer.format());
                    store.appendChild(format);
                }
                store.appendChild(source(doc, layer.source()));
                parent.appendChild(store);
                parent = store;
            }
            if (disk.chainTerminated()) {
                parent.appendChild(doc.createElement("backingStore"));
            }
        }
        Element target = doc.createElement("target");
        target.setAttribute("dev", disk.target());
        if (disk.bus() != null) {
            target.setAttribute("bus", disk.bus());
        }
        e.appendChild(target);
        if (disk.readOnly()) {
            e.appendChild(doc.createElement("readonly"));
        }
        return e;
    }

    private static String typeOf(DiskSource s) {
        return s == null ? "file" : s.kind() == DiskSource.Kind.OTHER ? "file" : s.kind().xmlName;
    }

    private static Element source(Document doc, DiskSource s) {
        Element e = doc.createElement("source");
        switch (s.kind()) {
            case FILE -> e.setAttribute("file", s.path());
            case BLOCK -> e.setAttribute("dev", s.path());
            case NETWORK -> {
                e.setAttribute("protocol", s.protocol());
                if (s.name() != null) {
                    e.setAttribute("name", s.name());
                }
                for (String h : s.hosts()) {
                    Element host = doc.createElement("host");
                    int colon = h.lastIndexOf(':');
                    host.setAttribute("name", colon > 0 ? h.substring(0, colon) : h);
                    if (colon > 0) {
                        host.setAttribute("port", h.substring(colon + 1));
                    }
                    e.appendChild(host);
                }
            }
            case VOLUME -> {
                e.setAttribute("pool", s.pool());
                e.setAttribute("volume", s.volume());
            }
            case OTHER -> throw new IllegalArgumentException("cannot write an unsupported disk source");
        }
        return e;
    }

    /** Parses one {@code <disk>} element of a domain (live or inactive XML; {@code index=} attributes ignored). */
    public static DomainDisk parse(Element disk) {
        DiskSource.Kind kind = DiskSource.Kind.of(SafeXml.attribute(disk, "type"));
        String device = SafeXml.attribute(disk, "device");
        String format = SafeXml.attribute(SafeXml.child(disk, "driver"), "type");
        DiskSource source = parseSource(kind, SafeXml.child(disk, "source"));
        List<BackingLayer> chain = new ArrayList<>();
        boolean terminated = false;
        Element store = SafeXml.child(disk, "backingStore");
        // libvirt bounds chains too; a hostile document cannot make this loop long (each level is an element).
        while (store != null) {
            Element src = SafeXml.child(store, "source");
            if (src == null && SafeXml.attribute(store, "type") == null) {
                terminated = true;
                break;
            }
            DiskSource.Kind k = DiskSource.Kind.of(SafeXml.attribute(store, "type"));
            chain.add(new BackingLayer(SafeXml.attribute(SafeXml.child(store, "format"), "type"),
                    parseSource(k, src)));
            store = SafeXml.child(store, "backingStore");
        }
        Element target = SafeXml.child(disk, "target");
        return new DomainDisk(device == null ? "disk" : device, format, source, chain, terminated,
                SafeXml.attribute(target, "dev"), SafeXml.attribute(target, "bus"),
                SafeXml.child(disk, "readonly") != null);
    }

    private static DiskSource parseSource(DiskSource.Kind kind, Element src) {
        if (src == null) {
            return null;
        }
        return switch (kind) {
            case FILE -> SafeXml.attribute(src, "file") == null ? null : DiskSource.file(src.getAttribute("file"));
            case BLOCK -> SafeXml.attribute(src, "dev") == null ? null : DiskSource.block(src.getAttribute("dev"));
            case NETWORK -> {
                List<String> hosts = new ArrayList<>();
                for (Element h : SafeXml.children(src, "host")) {
                    String port = SafeXml.attribute(h, "port");
                    hosts.add(SafeXml.attribute(h, "name") + (port == null ? "" : ":" + port));
                }
                yield DiskSource.network(SafeXml.attribute(src, "protocol"), SafeXml.attribute(src, "name"), hosts);
            }
            case VOLUME -> DiskSource.volume(SafeXml.attribute(src, "pool"), SafeXml.attribute(src, "volume"));
            case OTHER -> new DiskSource(DiskSource.Kind.OTHER, null, null, null, List.of(), null, null);
        };
    }
}
