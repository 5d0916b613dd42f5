package dev.platter.format.vmdk;

import java.security.SecureRandom;
import java.util.List;
import java.util.Locale;

/**
 * The text descriptor of a disk Platter creates. Two dialects: qemu-img 7.2's, byte for byte (its template, for
 * every subformat qemu lays out), and VMware's, for streamOptimized disks (the keys open-vmdk and VMware's exports
 * write, which ESXi and OVF imports expect: {@code encoding}, {@code ddb.longContentID}, {@code ddb.uuid},
 * {@code ddb.toolsInstallType}, {@code lsilogic} unless told otherwise).
 */
final class NewDescriptor {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** ddb.toolsInstallType 4: open-vm-tools, not managed by the host (what open-vmdk writes). */
    private static final String TOOLS_UNMANAGED = "4";

    private NewDescriptor() {
    }

    /**
     * A fresh content ID: random, never ffffffff or fffffffe, which some readers take for "no parent" or "all
     * zeros".
     */
    static long randomCid() {
        while (true) {
            long cid = Integer.toUnsignedLong(RANDOM.nextInt());
            if (cid < 0xfffffffeL) {
                return cid;
            }
        }
    }

    /**
     * qemu's vmdk_co_do_create template.
     *
     * @param extentLines one line per extent, each ending in a newline
     * @param parentHint  parentFileNameHint, or null
     */
    static String qemu(long cid, long parentCid, String createType, String parentHint, List<String> extentLines,
                       long sizeBytes, VmdkCreateOptions o) {
        String adapter = o.adapterType == null ? "ide" : o.adapterType;
        int heads = adapter.equals("ide") ? 16 : 255;
        StringBuilder sb = new StringBuilder()
                .append("# Disk DescriptorFile\n")
                .append("version=1\n")
                .append("CID=").append(Long.toHexString(cid)).append('\n')
                .append("parentCID=").append(Long.toHexString(parentCid)).append('\n')
                .append("createType=\"").append(createType).append("\"\n");
        if (parentHint != null) {
            sb.append("parentFileNameHint=\"").append(parentHint).append('"');
        }
        sb.append("\n# Extent description\n");
        extentLines.forEach(sb::append);
        return sb.append("\n# The Disk Data Base\n#DDB\n\n")
                .append("ddb.virtualHWVersion = \"").append(o.virtualHwVersion()).append("\"\n")
                .append("ddb.geometry.cylinders = \"").append(sizeBytes / (63L * heads * 512)).append("\"\n")
                .append("ddb.geometry.heads = \"").append(heads).append("\"\n")
                .append("ddb.geometry.sectors = \"63\"\n")
                .append("ddb.adapterType = \"").append(adapter).append("\"\n")
                .append("ddb.toolsVersion = \"").append(o.toolsVersion).append("\"\n")
                .toString();
    }

    /**
     * VMware's streamOptimized descriptor, as open-vmdk writes it, with the options qemu's create takes: cylinders
     * rounded up (VMware's rule) and capped at what the heads allow.
     */
    static String vmware(long cid, long parentCid, String parentHint, String extentName, long sectors,
                         VmdkCreateOptions o) {
        String adapter = o.adapterType == null ? "lsilogic" : o.adapterType;
        int heads = adapter.equals("ide") ? 16 : 255;
        long maxCylinders = adapter.equals("ide") ? 16383 : 65535;
        long cylinders = Math.min(maxCylinders, (sectors + heads * 63L - 1) / (heads * 63L));
        StringBuilder sb = new StringBuilder()
                .append("# Disk DescriptorFile\n")
                .append("version=1\n")
                .append("encoding=\"UTF-8\"\n")
                .append("CID=").append(String.format("%08x", cid)).append('\n')
                .append("parentCID=").append(String.format("%08x", parentCid)).append('\n')
                .append("createType=\"streamOptimized\"\n");
        if (parentHint != null) {
            sb.append("parentFileNameHint=\"").append(parentHint).append("\"\n");
        }
        return sb.append("\n# Extent description\n")
                .append("RW ").append(sectors).append(" SPARSE \"").append(extentName).append("\"\n")
                .append("\n# The Disk Data Base\n#DDB\n\n")
                .append("ddb.longContentID = \"").append(longContentId(cid)).append("\"\n")
                .append("ddb.uuid = \"").append(uuid()).append("\"\n")
                .append("ddb.virtualHWVersion = \"").append(o.virtualHwVersion()).append("\"\n")
                .append("ddb.geometry.cylinders = \"").append(cylinders).append("\"\n")
                .append("ddb.geometry.heads = \"").append(heads).append("\"\n")
                .append("ddb.geometry.sectors = \"63\"\n")
                .append("ddb.adapterType = \"").append(adapter).append("\"\n")
                .append("ddb.toolsInstallType = \"").append(TOOLS_UNMANAGED).append("\"\n")
                .append("ddb.toolsVersion = \"").append(o.toolsVersion).append("\"\n")
                .toString();
    }

    /** 128 bits as 32 hex digits, the last 32 bits the CID (as VMware and open-vmdk make it). */
    private static String longContentId(long cid) {
        return String.format("%08x%08x%08x%08x", RANDOM.nextInt(), RANDOM.nextInt(), RANDOM.nextInt(), cid);
    }

    /** VMware's ddb.uuid spelling: 16 bytes in hex, space separated, a dash between the halves. */
    private static String uuid() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            if (i > 0) {
                sb.append(i == 8 ? '-' : ' ');
            }
            sb.append(String.format(Locale.ROOT, "%02x", b[i]));
        }
        return sb.toString();
    }
}
