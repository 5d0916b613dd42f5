package dev.platter.format.qcow2;

import dev.platter.core.image.ReferenceResolver;

/** Recognises names that qemu hands to a protocol driver (json:, nbd:, http: ...) rather than to a file. */
final class ReferenceResolverPatterns {
    private ReferenceResolverPatterns() {
    }

    static boolean hasProtocol(String name) {
        return ReferenceResolver.PROTOCOL.matcher(name).matches();
    }
}
