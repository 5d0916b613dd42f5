package dev.platter.testdata;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A raw disk whose first sector, once the BIOS has loaded it at 0x7C00, writes {@link #MARKER} to the first serial
 * port (I/O port 0x3F8) and halts: the boot-level oracle that a converted image reads, through QEMU's real block
 * layer and the format libvirt declares, as the original does. The rest of the disk is a hole.
 */
public final class BootSector {
    /** What the guest prints on its serial console. */
    public static final String MARKER = "PLATTER-BOOT-OK";

    /** Address of the message: 0x7C00 + {@link #MESSAGE_OFFSET}, the operand of the {@code mov si} below. */
    private static final int MESSAGE_OFFSET = 0x15;

    private BootSector() {
    }

    /** The 512 bytes. */
    public static byte[] sector() {
        byte[] s = new byte[512];
        byte[] code = {
                0x31, (byte) 0xC0,                      // xor ax, ax
                (byte) 0x8E, (byte) 0xD8,               // mov ds, ax
                (byte) 0xBE, MESSAGE_OFFSET, 0x7C,      // mov si, 0x7C15
                (byte) 0xAC,                            // next: lodsb
                (byte) 0x84, (byte) 0xC0,               // test al, al
                0x74, 0x06,                             // jz halt
                (byte) 0xBA, (byte) 0xF8, 0x03,         // mov dx, 0x3F8
                (byte) 0xEE,                            // out dx, al
                (byte) 0xEB, (byte) 0xF5,               // jmp next
                (byte) 0xF4,                            // halt: hlt
                (byte) 0xEB, (byte) 0xFD,               // jmp halt
        };
        System.arraycopy(code, 0, s, 0, code.length);
        byte[] message = (MARKER + "\r\n\0").getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(message, 0, s, MESSAGE_OFFSET, message.length);
        s[510] = 0x55;
        s[511] = (byte) 0xAA;
        return s;
    }

    /** Writes a raw disk of {@code size} bytes (a multiple of 512) starting with the boot sector. */
    public static Path writeRawDisk(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(sector()), 0);
            ch.truncate(size);
            if (ch.size() < size) {
                ch.write(ByteBuffer.allocate(1), size - 1);
            }
        }
        return file;
    }

    /** {@code java ... BootSector FILE [SIZE]}: the script form, for trying the image by hand under QEMU. */
    public static void main(String[] args) throws IOException {
        writeRawDisk(Path.of(args[0]), args.length > 1 ? Long.parseLong(args[1]) : 16L << 20);
    }
}
