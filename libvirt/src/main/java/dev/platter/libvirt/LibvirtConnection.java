package dev.platter.libvirt;

import java.io.IOException;

/**
 * What Platter asks of libvirt: a domain's definition and state, and a new definition. Everything else (which disk,
 * which format, the edit) is Platter's own XML work, the same whatever the transport ({@link VirshSession}).
 */
public interface LibvirtConnection extends AutoCloseable {

    /** The domain's XML, by name or UUID; {@code inactive}: the persistent definition, not the live one. */
    String domainXml(String domain, boolean inactive) throws IOException;

    /** The domain's state, by name or UUID. */
    DomainState state(String domain) throws IOException;

    /** Defines (or redefines, same name and UUID) a persistent domain from {@code xml}, in one libvirt call. */
    void define(String xml) throws IOException;

    @Override
    void close() throws IOException;
}
