package dev.platter.format.vdi;

import dev.platter.core.image.CreateOptions;
import dev.platter.core.image.Preallocation;

import java.util.Set;

/**
 * qemu-img's vdi creation options: {@code static} (a fixed image, every block allocated up front) and the file
 * protocol's {@code preallocation}, which qemu accepts but for {@code metadata} and which changes nothing in the
 * file qemu-img makes. Checked in qemu 7.2's order, with its messages.
 */
final class VdiCreateOptions {
    static final Set<String> KNOWN = Set.of("size", "static", "preallocation");

    final boolean fixed;

    private VdiCreateOptions(boolean fixed) {
        this.fixed = fixed;
    }

    /** Checks qemu makes while parsing -o, before it prints anything. */
    static void checkSyntax(CreateOptions options) {
        options.requireKnown(KNOWN);
        options.getBool("static", false);
    }

    /** The summary after "Formatting 'FILE', ": {@code static} as given (or off), then {@code preallocation}. */
    static String describe(long size, CreateOptions options) {
        StringBuilder sb = new StringBuilder("fmt=" + VdiFormat.NAME + " size=" + size);
        sb.append(" static=").append(options.get("static", "off"));
        String prealloc = options.get("preallocation");
        if (prealloc != null) {
            sb.append(" preallocation=").append(prealloc);
        }
        return sb.toString();
    }

    static VdiCreateOptions parse(CreateOptions options, long size) {
        checkSyntax(options);
        boolean fixed = options.getBool("static", false);
        String prealloc = options.get("preallocation");
        if (prealloc != null && Preallocation.parse(prealloc, Preallocation.OFF, Preallocation.METADATA,
                Preallocation.FALLOC, Preallocation.FULL) == Preallocation.METADATA) {
            throw new IllegalArgumentException("Unsupported preallocation mode: metadata");
        }
        long rounded = (size + VdiHeader.SECTOR - 1) / VdiHeader.SECTOR * VdiHeader.SECTOR;
        if (rounded > VdiHeader.MAX_DISK_SIZE) {
            throw new IllegalArgumentException("Unsupported VDI image size (size is 0x" + Long.toHexString(rounded)
                    + ", max supported is 0x" + Long.toHexString(VdiHeader.MAX_DISK_SIZE) + ")");
        }
        return new VdiCreateOptions(fixed);
    }
}
