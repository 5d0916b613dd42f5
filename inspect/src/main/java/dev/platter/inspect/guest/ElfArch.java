package dev.platter.inspect.guest;

import dev.platter.inspect.volume.LittleEndian;

/** The architecture of an ELF binary from its header, named as libguestfs's file-architecture names it. */
final class ElfArch {
    private ElfArch() {
    }

    /** "x86_64", "i386", "aarch64" ... or null when {@code head} is no ELF header or the machine is unknown. */
    static String of(byte[] head) {
        if (head.length < 20 || head[0] != 0x7F || head[1] != 'E' || head[2] != 'L' || head[3] != 'F') {
            return null;
        }
        int bits = head[4] == 2 ? 64 : 32;
        boolean little = head[5] == 1;
        int machine = little ? LittleEndian.u16(head, 18) : (head[18] & 0xFF) << 8 | (head[19] & 0xFF);
        return switch (machine) {
            case 3, 6 -> "i386";
            case 62 -> "x86_64";
            case 2 -> "sparc";
            case 43 -> "sparc64";
            case 50 -> "ia64";
            case 20 -> "ppc";
            case 21 -> little ? "ppc64le" : "ppc64";
            case 40 -> "arm";
            case 183 -> "aarch64";
            case 243 -> "riscv" + bits;
            case 22 -> bits == 64 ? "s390x" : "s390";
            case 258 -> "loongarch64";
            default -> null;
        };
    }
}
