package dev.platter.format.vpc;

/**
 * The CHS geometry a VHD footer stores, computed as qemu 7.2 computes it: the VHD specification's algorithm (with
 * qemu's cap at 65535/16/255), and the search upwards that qemu's create runs until the geometry holds the requested
 * sectors. The product is then the disk's size: {@code create -f vpc 100M} makes 104865792 bytes (1004/12/17).
 */
record Geometry(int cylinders, int heads, int sectorsPerTrack) {
    static final long MAX_C = 65535;
    static final long MAX_H = 16;
    static final long MAX_S = 255;
    /** 65535 x 16 x 255: "use current_size", for qemu and Hyper-V alike. */
    static final long MAX_SECTORS = MAX_C * MAX_H * MAX_S;
    static final Geometry MAX = new Geometry((int) MAX_C, (int) MAX_H, (int) MAX_S);

    long sectors() {
        return (long) cylinders * heads * sectorsPerTrack;
    }

    /** The specification's geometry for {@code totalSectors}, which may hold fewer sectors. */
    static Geometry of(long totalSectors) {
        long t = Math.min(totalSectors, MAX_SECTORS);
        int spt;
        int heads;
        long cylTimesHeads;
        if (t >= 65535L * 16 * 63) {
            spt = 255;
            heads = 16;
            cylTimesHeads = t / spt;
        } else {
            spt = 17;
            cylTimesHeads = t / spt;
            // qemu keeps these in 32 and 8 bits
            cylTimesHeads &= 0xffffffffL;
            heads = (int) (((cylTimesHeads + 1023) / 1024) & 0xff);
            if (heads < 4) {
                heads = 4;
            }
            if (cylTimesHeads >= heads * 1024L || heads > 16) {
                spt = 31;
                heads = 16;
                cylTimesHeads = t / spt;
            }
            if (cylTimesHeads >= heads * 1024L) {
                spt = 63;
                heads = 16;
                cylTimesHeads = t / spt;
            }
        }
        return new Geometry((int) ((cylTimesHeads / heads) & 0xffff), heads, spt);
    }

    /**
     * qemu's calculate_rounded_image_size without force_size: the first geometry from {@code totalSectors} upwards
     * that holds them (or the maximum, whose size is then the requested one).
     */
    static Geometry roundedUp(long totalSectors) {
        long want = Math.min(MAX_SECTORS, totalSectors);
        Geometry g = new Geometry(0, 0, 0);
        for (long i = 0; want > g.sectors(); i++) {
            g = of(want + i);
        }
        return g;
    }
}
