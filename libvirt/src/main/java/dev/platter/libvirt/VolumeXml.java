package dev.platter.libvirt;

import dev.platter.core.image.Image;
import dev.platter.core.image.ImageInfo;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import java.io.IOException;

/**
 * {@code <volume>} XML for a storage pool ({@code vol-create}): the image's name, virtual size, format and, for an
 * overlay, its backing image with the backing format, so the pool records what the image really is.
 */
public final class VolumeXml {
    private VolumeXml() {
    }

    public static String write(Image image) throws IOException {
        ImageInfo info = image.info();
        Document doc = SafeXml.newDocument();
        Element volume = doc.createElement("volume");
        volume.setAttribute("type", image.storage().isBlockDevice() ? "block" : "file");
        doc.appendChild(volume);
        append(doc, volume, "name", image.storage().path().getFileName().toString());
        append(doc, volume, "capacity", Long.toString(info.virtualSize())).setAttribute("unit", "bytes");
        if (info.actualSize() != null) {
            append(doc, volume, "allocation", Long.toString(info.actualSize())).setAttribute("unit", "bytes");
        }
        Element target = append(doc, volume, "target", null);
        append(doc, target, "path", image.storage().path().toAbsolutePath().normalize().toString());
        append(doc, target, "format", null).setAttribute("type", DiskXml.libvirtFormat(image));
        Image backing = image.backing();
        if (backing != null) {
            Element store = append(doc, volume, "backingStore", null);
            append(doc, store, "path", backing.storage().path().toAbsolutePath().normalize().toString());
            append(doc, store, "format", null).setAttribute("type", DiskXml.libvirtFormat(backing));
        }
        return SafeXml.write(doc);
    }

    private static Element append(Document doc, Element parent, String name, String text) {
        Element e = doc.createElement(name);
        if (text != null) {
            e.setTextContent(text);
        }
        parent.appendChild(e);
        return e;
    }
}
