package dev.platter.libvirt;

import java.io.IOException;

/** libvirt refused a request; the message is libvirt's own ("error: ..." lines without the prefix). */
public final class LibvirtException extends IOException {
    public LibvirtException(String message) {
        super(message);
    }
}
