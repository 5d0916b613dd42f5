package dev.platter.libvirt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * libvirt's test driver seeded from a node file: {@code test:///ABS/node.xml}, no daemon. Its state lives in the
 * connection, so one {@link VirshSession} sees its own defines; domains start shut off unless asked to run.
 */
final class TestDriver {
    static final String UUID = "6a1f0c3e-2d4b-4f5a-8e9d-0b1c2d3e4f50";

    private TestDriver() {
    }

    /** A node with domain {@code vm1} (shut off, or running) whose vda is {@code disk} declared {@code format}. */
    static String uri(Path dir, Path disk, String format, boolean running) throws IOException {
        String domain = """
                <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
                  <name>vm1</name>
                  <uuid>%s</uuid>
                  <memory unit='MiB'>64</memory>
                  <vcpu>1</vcpu>
                  <os><type arch='x86_64'>hvm</type></os>
                  <devices>
                    <disk type='file' device='disk'>
                      <driver name='qemu' type='%s'/>
                      <source file='%s'/>
                      <target dev='vda' bus='virtio'/>
                      <serial>vm1-root</serial>
                    </disk>
                    <interface type='network'><mac address='52:54:00:aa:bb:01'/><source network='default'/></interface>
                  </devices>
                  <test:runstate>%d</test:runstate>
                </domain>
                """.formatted(UUID, format, disk, running ? 1 : 5);
        Path node = dir.resolve("node.xml");
        Files.writeString(node, "<node>\n" + domain + "</node>\n");
        return "test://" + node.toAbsolutePath();
    }
}
