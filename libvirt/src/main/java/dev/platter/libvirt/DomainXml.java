package dev.platter.libvirt;

import org.w3c.dom.Document;
import org.w3c.dom.Element;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A domain definition as libvirt returns it ({@code dumpxml}), kept as a DOM so that a redefinition changes only
 * what Platter means to change: every element it does not know (serials, addresses, iotune ...) stays as it was.
 */
public final class DomainXml {
    private final Document doc;
    private final Element root;

    private DomainXml(Document doc) throws IOException {
        this.doc = doc;
        this.root = doc.getDocumentElement();
        if (!root.getTagName().equals("domain")) {
            throw new IOException("not a domain definition: the root element is <" + root.getTagName() + ">");
        }
    }

    public static DomainXml parse(String xml) throws IOException {
        return new DomainXml(SafeXml.parse(xml));
    }

    public String name() {
        return SafeXml.childText(root, "name");
    }

    /** The UUID, or null when the definition has none (libvirt then makes one). */
    public String uuid() {
        return SafeXml.childText(root, "uuid");
    }

    /** Every {@code <disk>} under {@code <devices>}, in document order. */
    public List<DomainDisk> disks() {
        List<DomainDisk> result = new ArrayList<>();
        for (Element e : diskElements()) {
            result.add(DiskXml.parse(e));
        }
        return result;
    }

    /** The disk with this target name ({@code vda}), or the first disk-device disk when {@code target} is null. */
    public DomainDisk disk(String target) throws IOException {
        return DiskXml.parse(diskElement(target));
    }

    /**
     * Replaces the top image of the disk {@code target}: its type, source and declared format, and the chain below
     * it (terminated: the new chain is all libvirt will use). Everything else in the element is kept.
     */
    public void replaceSource(String target, DiskSource source, String format, List<BackingLayer> chain)
            throws IOException {
        Element disk = diskElement(target);
        DomainDisk old = DiskXml.parse(disk);
        DomainDisk fresh = new DomainDisk(old.device(), format, source, chain, true, old.target(), old.bus(),
                old.readOnly());
        Element written = DiskXml.element(doc, fresh);
        disk.setAttribute("type", written.getAttribute("type"));
        Element driver = SafeXml.child(disk, "driver");
        if (driver == null) {
            driver = doc.createElement("driver");
            driver.setAttribute("name", "qemu");
            disk.insertBefore(driver, disk.getFirstChild());
        }
        driver.setAttribute("type", format);
        Element anchor = SafeXml.child(disk, "source");
        Element newSource = SafeXml.child(written, "source");
        Element newStore = SafeXml.child(written, "backingStore");
        for (Element old2 : SafeXml.children(disk, "backingStore")) {
            disk.removeChild(old2);
        }
        if (anchor != null) {
            disk.replaceChild(newSource, anchor);
        } else {
            disk.insertBefore(newSource, driver.getNextSibling());
        }
        disk.insertBefore(newStore, newSource.getNextSibling());
    }

    /** Removes the empty {@code <backingStore/>} ending the disk's chain: libvirt reads the rest from the images. */
    public void unterminateChain(String target) throws IOException {
        Element parent = diskElement(target);
        for (Element store = SafeXml.child(parent, "backingStore"); store != null;
             store = SafeXml.child(parent, "backingStore")) {
            if (SafeXml.child(store, "source") == null) {
                parent.removeChild(store);
                return;
            }
            parent = store;
        }
    }

    /** Sets {@code <name>}. */
    public void setName(String name) {
        SafeXml.child(root, "name").setTextContent(name);
    }

    /** Sets {@code <uuid>}, adding it when absent. */
    public void setUuid(String uuid) {
        Element e = SafeXml.child(root, "uuid");
        if (e == null) {
            e = doc.createElement("uuid");
            root.insertBefore(e, SafeXml.child(root, "name").getNextSibling());
        }
        e.setTextContent(uuid);
    }

    /** The {@code <mac address>} elements of the interfaces. */
    public List<Element> macElements() {
        List<Element> result = new ArrayList<>();
        Element devices = SafeXml.child(root, "devices");
        if (devices != null) {
            for (Element nic : SafeXml.children(devices, "interface")) {
                Element mac = SafeXml.child(nic, "mac");
                if (mac == null) {
                    mac = doc.createElement("mac");
                    nic.insertBefore(mac, nic.getFirstChild());
                }
                result.add(mac);
            }
        }
        return result;
    }

    /** Drops elements a new domain must not inherit from its source (the live id, the serial of each disk). */
    public void dropIdentity() {
        root.removeAttribute("id");
        for (Element disk : diskElements()) {
            for (Element serial : SafeXml.children(disk, "serial")) {
                disk.removeChild(serial);
            }
        }
    }

    public String toXml() {
        return SafeXml.write(doc);
    }

    private List<Element> diskElements() {
        Element devices = SafeXml.child(root, "devices");
        return devices == null ? List.of() : SafeXml.children(devices, "disk");
    }

    private Element diskElement(String target) throws IOException {
        List<String> seen = new ArrayList<>();
        for (Element e : diskElements()) {
            DomainDisk d = DiskXml.parse(e);
            if (target == null ? d.device().equals("disk") : target.equals(d.target())) {
                return e;
            }
            seen.add(d.target());
        }
        throw new IOException("domain '" + name() + "' has no disk " + (target == null ? "" : "with target '"
                + target + "' ") + "(its disks: " + (seen.isEmpty() ? "none" : String.join(", ", seen)) + ")");
    }
}
