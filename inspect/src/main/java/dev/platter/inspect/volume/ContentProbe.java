package dev.platter.inspect.volume;

import dev.platter.core.BlockDevice;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * A small blkid: recognises what starts a device by its signatures (section 5 of the partition notes), cheaply,
 * reading a few sectors. Filesystems Platter reads (ext2/3/4, XFS) are only recognised here; their drivers name
 * them.
 */
public final class ContentProbe {
    private ContentProbe() {
    }

    /** What the device holds, or null when no signature matches. */
    public static Content identify(BlockDevice dev) throws IOException {
        long size = dev.size();
        byte[] head = read(dev, 0, (int) Math.min(size, 4096));
        if (head.length >= 4 && ascii(head, 0, 4).equals("XFSB")) {
            return new Content("xfs", "", "");
        }
        byte[] sb = read(dev, 1024, 1024);
        if (sb.length >= 0x3A && LittleEndian.u16(sb, 0x38) == 0xEF53) {
            return new Content("ext", "", "");
        }
        Content lvm = lvmLabel(head);
        if (lvm != null) {
            return lvm;
        }
        if (head.length >= 6 && ascii(head, 0, 4).equals("LUKS") && (head[4] & 0xFF) == 0xBA
                && (head[5] & 0xFF) == 0xBE) {
            String uuid = head.length >= 208 ? cString(head, 168, 40) : "";
            return new Content("crypto_LUKS", "", uuid);
        }
        Content swap = swap(dev, size);
        if (swap != null) {
            return swap;
        }
        if (isMd(dev, size)) {
            return new Content("linux_raid_member", "", "");
        }
        byte[] btrfs = read(dev, 0x10000, 0x200);
        if (btrfs.length >= 0x48 && ascii(btrfs, 0x40, 8).equals("_BHRfS_M")) {
            return new Content("btrfs", cString(btrfs, 0x12B, Math.min(256, btrfs.length - 0x12B)),
                    Guids.isZero(btrfs, 0x20) ? "" : uuid(btrfs, 0x20));
        }
        return bootSectorFilesystem(head);
    }

    /** The LVM2 PV label in sectors 0-3, as blkid reports it (type LVM2_member, the PV UUID with dashes). */
    private static Content lvmLabel(byte[] head) {
        for (int s = 0; s < 4 && (s + 1) * 512 <= head.length; s++) {
            int o = s * 512;
            if (ascii(head, o, 8).equals("LABELONE") && ascii(head, o + 0x18, 8).equals("LVM2 001")) {
                String raw = ascii(head, o + 0x20, 32);
                return new Content("LVM2_member", "", formatLvmUuid(raw));
            }
        }
        return null;
    }

    /** 32 characters as LVM prints them: 6-4-4-4-4-4-6. */
    public static String formatLvmUuid(String raw) {
        if (raw.length() != 32) {
            return raw;
        }
        int[] groups = {6, 4, 4, 4, 4, 4, 6};
        StringBuilder sb = new StringBuilder();
        int p = 0;
        for (int g : groups) {
            if (p > 0) {
                sb.append('-');
            }
            sb.append(raw, p, p + g);
            p += g;
        }
        return sb.toString();
    }

    private static Content swap(BlockDevice dev, long size) throws IOException {
        for (int page : new int[] {4096, 8192, 16384, 65536}) {
            if (page > size) {
                break;
            }
            byte[] tail = read(dev, page - 10, 10);
            String magic = ascii(tail, 0, tail.length);
            if (magic.equals("SWAPSPACE2") || magic.equals("SWAP-SPACE")) {
                byte[] h = read(dev, 1024, 64);
                if (magic.equals("SWAP-SPACE") || h.length < 44) {
                    return new Content("swap", "", "");
                }
                return new Content("swap", cString(h, 28, 16), Guids.isZero(h, 12) ? "" : uuid(h, 12));
            }
            if (magic.startsWith("S1SUSPEND") || magic.startsWith("ULSUSPEND")) {
                return new Content("swsuspend", "", "");
            }
        }
        return null;
    }

    private static boolean isMd(BlockDevice dev, long size) throws IOException {
        long[] offsets = {0, 4096, size >= 131072 ? (size & ~65535L) - 65536 : -1,
                          size >= 8192 ? ((size / 512 - 16) & ~7L) * 512 : -1};
        for (long off : offsets) {
            if (off < 0) {
                continue;
            }
            byte[] m = read(dev, off, 4);
            if (m.length == 4 && LittleEndian.u32(m, 0) == 0xA92B4EFCL) {
                return true;
            }
        }
        return false;
    }

    /** FAT, exFAT and NTFS, which all end their boot sector in 55 AA. */
    private static Content bootSectorFilesystem(byte[] b) {
        if (b.length < 512 || LittleEndian.u8(b, 510) != 0x55 || LittleEndian.u8(b, 511) != 0xAA) {
            return null;
        }
        if (ascii(b, 3, 8).equals("NTFS    ")) {
            return new Content("ntfs", "", String.format("%016X", LittleEndian.u64(b, 0x48)));
        }
        if (ascii(b, 3, 8).equals("EXFAT   ")) {
            return new Content("exfat", "", serial(b, 0x64));
        }
        if (ascii(b, 0x52, 8).equals("FAT32   ")) {
            return new Content("vfat", fatLabel(b, 0x47), serial(b, 0x43));
        }
        String fs = ascii(b, 0x36, 8);
        if (fs.equals("FAT12   ") || fs.equals("FAT16   ") || fs.equals("FAT     ")) {
            return new Content("vfat", fatLabel(b, 0x2B), serial(b, 0x27));
        }
        return null;
    }

    private static String fatLabel(byte[] b, int off) {
        String label = ascii(b, off, 11).replaceAll(" +$", "");
        return label.equals("NO NAME") ? "" : label;
    }

    private static String serial(byte[] b, int off) {
        return String.format("%02X%02X-%02X%02X", b[off + 3] & 0xFF, b[off + 2] & 0xFF, b[off + 1] & 0xFF,
                b[off] & 0xFF);
    }

    private static String uuid(byte[] b, int off) {
        long msb = 0;
        long lsb = 0;
        for (int i = 0; i < 8; i++) {
            msb = msb << 8 | (b[off + i] & 0xFF);
            lsb = lsb << 8 | (b[off + 8 + i] & 0xFF);
        }
        return new UUID(msb, lsb).toString();
    }

    private static String cString(byte[] b, int off, int max) {
        int n = 0;
        while (n < max && off + n < b.length && b[off + n] != 0) {
            n++;
        }
        return new String(b, off, n, StandardCharsets.UTF_8);
    }

    private static String ascii(byte[] b, int off, int len) {
        if (off + len > b.length) {
            return "";
        }
        return new String(b, off, len, StandardCharsets.ISO_8859_1);
    }

    /** Up to {@code len} bytes at {@code pos}; fewer (possibly none) near the end of a small device. */
    private static byte[] read(BlockDevice dev, long pos, int len) throws IOException {
        long avail = dev.size() - pos;
        if (avail <= 0 || len <= 0) {
            return new byte[0];
        }
        try {
            return dev.readBytes(pos, (int) Math.min(len, avail));
        } catch (EOFException e) {
            return new byte[0];
        }
    }
}
