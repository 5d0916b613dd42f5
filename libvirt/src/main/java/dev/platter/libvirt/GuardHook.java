package dev.platter.libvirt;

import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageCheck;
import dev.platter.core.image.ImageFormat;
import dev.platter.core.image.Images;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.ReferenceDeniedException;
import dev.platter.core.image.ReferenceResolver;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the qemu hook decides at {@code prepare}, from the domain XML libvirt passes on stdin and nothing else (a
 * hook must never call libvirt: the daemon waits for it). A disk is refused when its content is not the format its
 * {@code <driver type>} declares (a qcow2 declared raw boots its own header; a raw disk declared qcow2 is the probing
 * attack), when it or an image of its chain lies outside the allowed folders or cannot be opened, when an overlay does
 * not record its backing format, or when {@code check} reports corruption. Images are opened read-only, sharing
 * every lock, and never repaired. Network disks, empty drives and missing files are left to libvirt, whose own
 * errors say it better.
 */
public final class GuardHook {
    private final List<Path> allowed;

    /** @param allowed the folders images may live in; empty: anywhere */
    public GuardHook(List<Path> allowed) {
        this.allowed = allowed.stream().map(GuardHook::real).toList();
    }

    /** One line per refused disk ("vda: /path: why"); empty when the domain may start. */
    public List<String> refusals(String domainXml) throws IOException {
        List<String> problems = new ArrayList<>();
        for (DomainDisk disk : DomainXml.parse(domainXml).disks()) {
            if (disk.source() == null || !disk.source().isLocal() || !Files.exists(Path.of(disk.source().path()))) {
                continue;
            }
            String why = refusal(disk);
            if (why != null) {
                problems.add(disk.target() + ": " + disk.source().path() + ": " + why);
            }
        }
        return problems;
    }

    private String refusal(DomainDisk disk) {
        Path path = Path.of(disk.source().path());
        // libvirt hands a disk without <driver type> to QEMU as raw.
        String declared = disk.format() == null ? "raw" : disk.format();
        OpenOptions shared = OpenOptions.readOnlyDefaults().withForceShare(true);
        try {
            String outside = outside(path);
            if (outside != null) {
                return outside;
            }
            String content = probe(path, shared);
            if (!content.equals(declared)) {
                return "declared " + declared + " but the content is " + content + " (the guest would read "
                        + (declared.equals("raw") ? "the image's metadata as its disk" : "its disk as metadata")
                        + ")";
            }
            for (BackingLayer layer : disk.chain()) {
                if (layer.source() == null || !layer.source().isLocal()) {
                    continue;
                }
                Path p = Path.of(layer.source().path());
                String out = outside(p);
                if (out != null) {
                    return "backing image " + p + ": " + out;
                }
                String c = probe(p, shared);
                if (layer.format() != null && !c.equals(layer.format())) {
                    return "backing image " + p + " declared " + layer.format() + " but the content is " + c;
                }
            }
            ReferenceResolver gate = DeclaredFormats.of(allowed.isEmpty() ? ReferenceResolver.relativeToImage()
                    : ReferenceResolver.confinedTo(allowed), List.of(disk));
            try (Image image = Images.open(path, shared.withFormat(declared).withResolver(gate))) {
                for (Image i = image; i.backing() != null; i = i.backing()) {
                    if (i.info().backingFormat() == null && disk.chain().isEmpty()) {
                        return "overlay " + i.storage().path() + " does not record the format of its backing file"
                                + " (qemu-img rebase -u -F FORMAT -b BACKING " + i.storage().path() + ")";
                    }
                }
            }
            try (Image image = Images.openForCheck(path, path.toString(), shared.withFormat(declared))) {
                ImageCheck check = image.check(ImageCheck.Repair.NONE);
                if (check.corruptions() > 0 || check.checkErrors() > 0) {
                    return "check found " + check.corruptions() + " corruptions and " + check.checkErrors()
                            + " errors (platter check " + path + ")";
                }
            } catch (UnsupportedFeatureException e) {
                // raw and friends have nothing to check.
            }
            return null;
        } catch (ReferenceDeniedException e) {
            return "backing chain leaves the allowed folders: " + e.getMessage();
        } catch (IOException | RuntimeException e) {
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof ReferenceDeniedException denied) {
                    return "backing chain leaves the allowed folders: " + denied.getMessage();
                }
            }
            return "cannot be opened: " + e.getMessage();
        }
    }

    private String probe(Path path, OpenOptions options) throws IOException {
        try (Storage storage = Images.openStorage(path, path.toString(), options)) {
            ImageFormat f = Images.probe(storage);
            return f.name();
        }
    }

    private String outside(Path path) {
        if (allowed.isEmpty()) {
            return null;
        }
        Path p = real(path);
        for (Path root : allowed) {
            if (p.startsWith(root)) {
                return null;
            }
        }
        return "outside the allowed folders (" + String.join(", ", allowed.stream().map(Path::toString).toList())
                + ")";
    }

    private static Path real(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }
}
