package dev.platter.inspect.testing;

import dev.platter.core.BlockDevice;
import dev.platter.core.StorageDevice;
import dev.platter.core.storage.MemoryStorage;
import dev.platter.inspect.lvm.LvmCrc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.zip.CRC32;

/** An in-memory disk for crafting partition tables and LVM structures byte by byte, hostile ones included. */
public final class MemoryDisk {
    private final BlockDevice device;

    public MemoryDisk(long size) {
        this.device = new StorageDevice(new MemoryStorage("memdisk", size), size);
    }

    public BlockDevice device() {
        return device;
    }

    public MemoryDisk put(long pos, byte[] bytes) {
        try {
            device.write(pos, ByteBuffer.wrap(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    public byte[] get(long pos, int len) {
        try {
            return device.readBytes(pos, len);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public MemoryDisk putAscii(long pos, String s) {
        return put(pos, s.getBytes(StandardCharsets.ISO_8859_1));
    }

    public MemoryDisk putLe32(long pos, long v) {
        return put(pos, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
    }

    public MemoryDisk putLe64(long pos, long v) {
        return put(pos, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    /** Writes an MBR/EBR partition entry (slot 0-3) into the boot record at {@code sector}, plus 55 AA. */
    public MemoryDisk mbrEntry(long recordPos, int slot, int status, int type, long firstLba, long sectors) {
        long e = recordPos + 0x1BE + 16L * slot;
        put(e, new byte[] {(byte) status});
        put(e + 4, new byte[] {(byte) type});
        putLe32(e + 8, firstLba);
        putLe32(e + 12, sectors);
        return put(recordPos + 510, new byte[] {0x55, (byte) 0xAA});
    }

    /** Mixed-endian GUID bytes as GPT stores them. */
    public static byte[] guidBytes(UUID u) {
        ByteBuffer b = ByteBuffer.allocate(16);
        long msb = u.getMostSignificantBits();
        b.order(ByteOrder.LITTLE_ENDIAN).putInt((int) (msb >>> 32)).putShort((short) (msb >>> 16)).putShort((short) msb);
        b.order(ByteOrder.BIG_ENDIAN).putLong(u.getLeastSignificantBits());
        return b.array();
    }

    /**
     * Writes a complete GPT (protective MBR, primary and backup headers and arrays with valid CRCs) with 128 entries.
     * Each partition is {first LBA, last LBA}; slot i gets entry i unless null.
     */
    public MemoryDisk gpt(int sectorSize, long[][] partitions) {
        long lastLba = device.size() / sectorSize - 1;
        int arraySectors = 128 * 128 / sectorSize;
        mbrEntry(0, 0, 0, 0xEE, 1, Math.min(lastLba, 0xFFFFFFFFL));
        byte[] array = new byte[128 * 128];
        for (int i = 0; i < partitions.length; i++) {
            if (partitions[i] == null) {
                continue;
            }
            ByteBuffer e = ByteBuffer.wrap(array, i * 128, 128).order(ByteOrder.LITTLE_ENDIAN);
            e.put(guidBytes(UUID.fromString("0fc63daf-8483-4772-8e79-3d69d8477de4")));
            e.put(guidBytes(new UUID(0x1234, i + 1)));
            e.putLong(partitions[i][0]).putLong(partitions[i][1]).putLong(0);
            e.put(("part" + (i + 1)).getBytes(StandardCharsets.UTF_16LE));
        }
        long firstUsable = 2 + arraySectors;
        long lastUsable = lastLba - 1 - arraySectors;
        put(2L * sectorSize, array);
        put((lastLba - arraySectors) * sectorSize, array);
        gptHeader(sectorSize, 1, lastLba, firstUsable, lastUsable, 2, array);
        gptHeader(sectorSize, lastLba, 1, firstUsable, lastUsable, lastLba - arraySectors, array);
        return this;
    }

    private void gptHeader(int sectorSize, long my, long alt, long firstUsable, long lastUsable, long entriesLba,
                           byte[] array) {
        ByteBuffer h = ByteBuffer.allocate(92).order(ByteOrder.LITTLE_ENDIAN);
        h.put("EFI PART".getBytes(StandardCharsets.US_ASCII)).putInt(0x10000).putInt(92).putInt(0).putInt(0);
        h.putLong(my).putLong(alt).putLong(firstUsable).putLong(lastUsable);
        h.put(guidBytes(new UUID(0xabcdL, 0xef01L))).putLong(entriesLba).putInt(128).putInt(128);
        CRC32 crc = new CRC32();
        crc.update(array);
        h.putInt((int) crc.getValue());
        byte[] header = h.array();
        crc.reset();
        crc.update(header);
        ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).putInt(0x10, (int) crc.getValue());
        put(my * sectorSize, header);
    }

    /** Recomputes the lvm CRC stored at {@code crcPos} over [from, to). */
    public MemoryDisk lvmCrc(long crcPos, long from, long to) {
        byte[] b = get(from, (int) (to - from));
        return putLe32(crcPos, LvmCrc.of(b, 0, b.length) & 0xFFFFFFFFL);
    }

    /** Writes the disk to a raw image file (sparse where the disk is zero), for Guest.open. */
    public java.nio.file.Path saveTo(java.nio.file.Path file) {
        try (java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long pos = 0; pos < device.size(); ) {
                dev.platter.core.Extent e = device.mapping(pos, 1 << 20);
                if (e.status() == dev.platter.core.Extent.Status.DATA) {
                    ByteBuffer b = ByteBuffer.allocate((int) e.length());
                    device.read(pos, b);
                    b.flip();
                    out.write(b, pos);
                }
                pos = e.end();
            }
            try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(device.size());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
