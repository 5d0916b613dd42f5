package dev.platter.libvirt;

import dev.platter.testdata.RequiresTool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The virsh transport: quoting, answers split at the markers, libvirt's errors, one connection's state. */
@RequiresTool("virsh")
class VirshSessionTest {
    @TempDir
    Path dir;

    @Test
    void aNameWithQuotesSpacesAndBackslashesReachesLibvirtIntact() throws IOException {
        String name = "vm \"one\" \\ two's";
        try (VirshSession s = VirshSession.open("test:///default")) {
            String xml = XmlSchemas.domain("placeholder", null, "");
            DomainXml d = DomainXml.parse(xml);
            d.setName(name);
            s.define(d.toXml());
            assertEquals(name, DomainXml.parse(s.domainXml(name, true)).name());
            assertEquals(DomainState.SHUT_OFF, s.state(name));
        }
    }

    @Test
    void libvirtsErrorsComeBackAsTheirOwnMessageAndTheSessionGoesOn() throws IOException {
        try (VirshSession s = VirshSession.open("test:///default")) {
            LibvirtException e = assertThrows(LibvirtException.class, () -> s.state("no-such-domain"));
            assertTrue(e.getMessage().contains("no-such-domain"), e.getMessage());
            // The default test node has one running domain, 'test'; the session still answers after an error.
            assertEquals(DomainState.RUNNING, s.state("test"));
            String many = s.domainXml("test", false);
            assertTrue(many.startsWith("<domain") && many.strip().endsWith("</domain>"), many);
        }
    }

    @Test
    void anUnreachableUriIsAnError() {
        IOException e = assertThrows(IOException.class, () -> VirshSession.open("test:///" + dir.resolve("none.xml"))
                .close());
        assertTrue(e.getMessage().length() > 0);
    }

    @Test
    void quotingFollowsVirshsParser() {
        assertEquals("\"a b\"", VirshSession.quote("a b"));
        assertEquals("\"\\\"x\\\\\"", VirshSession.quote("\"x\\"));
        assertThrows(IllegalArgumentException.class, () -> VirshSession.quote("a\nb"));
    }
}
