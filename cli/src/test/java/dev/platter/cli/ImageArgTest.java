package dev.platter.cli;

import dev.platter.core.crypto.Secret;
import dev.platter.core.crypto.Secrets;
import dev.platter.core.image.OpenOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --image-opts} arguments: what is taken, the layer keys they name, and qemu-img's messages for the rest. */
class ImageArgTest {
    private final Secret top = Secret.of("top".getBytes(StandardCharsets.UTF_8));
    private final Secret base = Secret.of("base".getBytes(StandardCharsets.UTF_8));
    private final Secrets secrets = Secrets.none().add("s0", top).add("s1", base);

    @AfterEach
    void wipe() {
        secrets.close();
    }

    private ImageArg opts(String text) {
        return ImageArg.parseOpts(text, secrets);
    }

    private void refused(String why, String text) {
        CliException e = assertThrows(CliException.class, () -> opts(text));
        assertEquals("Could not open '" + text + "': " + why, e.getMessage());
    }

    @Test
    void driverAndFileName() {
        ImageArg a = opts("driver=qcow2,file.filename=/tmp/a.qcow2,file.driver=file");
        assertEquals("qcow2", a.format());
        assertEquals("/tmp/a.qcow2", a.filename());
        assertEquals(Path.of("/tmp/a.qcow2"), a.path());
        assertNull(a.forceShare());
        assertNull(opts("file.filename=a").format()); // no driver: probed
        assertEquals("x,y", opts("file.filename=x,,y").filename());
        assertEquals("b", opts("file.filename=a,file.filename=b,").filename()); // the last one counts
    }

    @Test
    void layerKeysByDepthReachTheOpenOptions() {
        ImageArg a = opts("driver=qcow2,file.filename=t.qcow2,encrypt.format=luks,encrypt.key-secret=s0,"
                + "backing.backing.encrypt.key-secret=s1");
        OpenOptions o = a.apply(OpenOptions.readOnlyDefaults());
        assertEquals("qcow2", o.format());
        assertSame(top, o.keyFor(Path.of("t.qcow2")));
        assertSame(top, o.keys().keyFor(0, Path.of("t.qcow2")));
        assertNull(o.keys().keyFor(1, Path.of("b1")));
        assertSame(base, o.keys().keyFor(2, Path.of("b2")));
        assertNull(o.keys().keyFor(3, Path.of("b3")));
        assertSame(top, opts("driver=luks,file.filename=x.luks,key-secret=s0").keys().keyFor(0, Path.of("x")));
        assertSame(top, opts("driver=qcow,file.filename=x.qcow,encrypt.key-secret=s0").keys().keyFor(0,
                Path.of("x"))); // qcow's legacy AES
        assertSame(base, opts("driver=qcow2,file.filename=x,backing.key-secret=s1").keys().keyFor(1, Path.of("x")));
        assertNull(ImageArg.file("x", "qcow2").apply(OpenOptions.readOnlyDefaults()).keyFor(Path.of("x")));
    }

    @Test
    void anIdIsLookedUpOnlyWhenAnEncryptedLayerAsksForIt() {
        ImageArg a = opts("driver=qcow2,file.filename=x,encrypt.key-secret=nope");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> a.keys().keyFor(0, Path.of("x")));
        assertEquals("No secret with id 'nope'", e.getMessage());
    }

    @Test
    void forceShare() {
        assertTrue(opts("file.filename=x,force-share=on").sharedReader(false));
        assertTrue(opts("file.filename=x,force-share=on").sharedReader(true));
        assertFalse(opts("file.filename=x,force-share=off").sharedReader(false));
        assertTrue(opts("file.filename=x").sharedReader(true));
        assertEquals("--force-share/-U conflicts with image options", assertThrows(CliException.class,
                () -> opts("file.filename=x,force-share=off").sharedReader(true)).getMessage());
        assertEquals("Could not open 'file.filename=x,force-share=on': force-share=on can only be used with "
                + "read-only images", assertThrows(CliException.class,
                () -> opts("file.filename=x,force-share=on").checkWriter()).getMessage());
        opts("file.filename=x,force-share=off").checkWriter();
        refused("Parameter 'force-share' expects 'on' or 'off'", "file.filename=x,force-share=maybe");
    }

    @Test
    void qemuImgsMessages() {
        CliException plain = assertThrows(CliException.class, () -> opts("a.qcow2"));
        assertEquals("Could not open 'a.qcow2': Cannot find device='a.qcow2' nor node-name='a.qcow2'",
                plain.getMessage());
        refused("Unknown driver 'nope'", "driver=nope,file.filename=x");
        refused("Unknown driver 'qcow2,x'", "driver=qcow2,,x,file.filename=x");
        refused("A block device must be specified for \"file\"", "driver=qcow2");
        refused("A block device must be specified for \"file\"", "driver=qcow2,filename=x");
        refused("Block format 'qcow2' does not support the option 'bogus'", "driver=qcow2,file.filename=x,bogus=1");
        refused("Block format 'qcow2' does not support the option 'foo'", "driver=qcow2,foo,file.filename=x");
        refused("Block protocol 'file' doesn't support the option 'locking'",
                "driver=qcow2,file.filename=x,file.locking=off");
        refused("Block format 'raw' does not support the option 'key-secret'", "driver=raw,file.filename=x,"
                + "key-secret=s0");
        refused("Block format 'qcow2' does not support the option 'key-secret'", "driver=qcow2,file.filename=x,"
                + "key-secret=s0");
        refused("Block format 'raw' does not support the option 'encrypt.key-secret'", "driver=raw,file.filename=x,"
                + "encrypt.key-secret=s0");
        refused("Block format 'luks' does not support the option 'encrypt.key-secret'", "driver=luks,"
                + "file.filename=x,encrypt.key-secret=s0");
        refused("Block format 'qcow' does not support the option 'key-secret'", "driver=qcow,file.filename=x,"
                + "key-secret=s0");
        refused("Block format 'qcow2' does not support the option 'backing'", "driver=qcow2,file.filename=x,"
                + "backing=null");
        refused("the option 'cache.direct' is not supported", "file.filename=x,cache.direct=on");
        refused("protocol driver 'nbd' is not supported (Platter opens files and block devices: file.driver=file)",
                "driver=raw,file.driver=nbd,file.filename=x");
    }
}
