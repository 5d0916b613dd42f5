package dev.platter.inspect.guest;

import dev.platter.inspect.fs.FileType;
import dev.platter.inspect.testing.FakeFs;
import dev.platter.inspect.testing.FakeGuest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The one listing every walker uses (ls -R, copy-out, tar-out): a damaged directory's duplicate names. */
class MountsListTest {
    @TempDir
    Path tmp;

    @Test
    void aNameHeldTwiceIsListedOnceTheFirstEntryWins() throws IOException {
        FakeGuest fg = new FakeGuest(tmp);
        FakeFs r = fg.root;
        FakeFs.Node d = r.dir(r.root(), "d");
        r.symlink(d, "X", "/host/dir");
        r.file(r.dir(d, "X"), "file", "x");
        r.file(d, "y", "y");
        try (Guest g = fg.open()) {
            Mounts m = g.mountOperatingSystem();
            int before = m.warnings().size();
            List<Mounts.Child> children = m.list(m.stat("/d"));
            assertEquals(List.of("X", "y"), children.stream()
                    .map(c -> new String(c.name(), StandardCharsets.UTF_8)).toList());
            assertEquals(FileType.SYMLINK, children.get(0).file().type());
            assertEquals(List.of("/d/X: skipped a second entry of the same name (a damaged directory); the first is "
                    + "used"), m.warnings().subList(before, m.warnings().size()));
        }
    }
}
