package dev.platter.inspect.volume;

/**
 * What a probe of signatures found at the start of a device, named as blkid names it.
 *
 * @param type  "swap", "vfat", "ntfs", "crypto_LUKS", "LVM2_member", "linux_raid_member", "btrfs", or the family
 *              ("ext", "xfs") of a filesystem a {@link dev.platter.inspect.fs.FileSystemDriver} should identify
 * @param label the volume label, or ""
 * @param uuid  the UUID as blkid prints it, or ""
 */
public record Content(String type, String label, String uuid) {

    /** True for containers that hold no filesystem themselves (PVs, RAID members, LUKS): blkid's *_member. */
    public boolean isContainer() {
        return type.endsWith("_member") || type.equals("crypto_LUKS");
    }

    /** True when a filesystem driver, not this probe, knows the details. */
    public boolean needsDriver() {
        return type.equals("ext") || type.equals("xfs");
    }
}
