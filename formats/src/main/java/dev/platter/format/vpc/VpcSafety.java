package dev.platter.format.vpc;

import dev.platter.core.CorruptImageException;
import dev.platter.core.image.ReferenceKind;
import dev.platter.core.image.SafetyFinding;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** What makes a VHD unsafe to read as it stands: a parent it names, metadata that does not add up. */
final class VpcSafety {
    private VpcSafety() {
    }

    static List<SafetyFinding> findings(Storage storage) throws IOException {
        List<SafetyFinding> out = new ArrayList<>();
        VpcLayout layout;
        try {
            layout = VpcOpener.open(storage);
        } catch (CorruptImageException e) {
            out.add(SafetyFinding.of(SafetyFinding.Category.STRUCTURE, e.getMessage()));
            return out;
        }
        if (layout.parent() != null) {
            out.add(SafetyFinding.reference(ReferenceKind.BACKING_FILE, layout.parent(), "a differencing disk whose "
                    + "parent locator names " + SafetyFinding.describeName(layout.parent())));
        }
        if (layout.header() != null && !layout.header().checksumValid()) {
            out.add(SafetyFinding.of(SafetyFinding.Category.STRUCTURE, "the dynamic disk header's checksum does not "
                    + "match its bytes (qemu reads it anyway)"));
        }
        return out;
    }
}
