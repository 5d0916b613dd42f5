package dev.platter.libvirt;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@code clone} makes, with virt-clone's names.
 *
 * @param source  {@code -o}: the domain to clone, by name or UUID (shut off)
 * @param newName {@code -n}: the new domain's name
 * @param files   {@code -f}: the new images' paths, one per cloned disk in document order; missing ones default
 *                to the source image's folder and the new name
 * @param linked  {@code --linked}: qcow2 overlays on the source images (which must then never change) instead of
 *                full copies
 */
public record CloneOptions(String source, String newName, List<Path> files, boolean linked) {
    public CloneOptions {
        files = List.copyOf(files);
    }
}
