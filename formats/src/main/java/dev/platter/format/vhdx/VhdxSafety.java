package dev.platter.format.vhdx;

import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.image.OpenOptions;
import dev.platter.core.image.ReferenceKind;
import dev.platter.core.image.SafetyFinding;
import dev.platter.core.image.SafetyFinding.Category;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code check --safety} reports for a vhdx, from its metadata alone (read-only, no parent opened): a parent
 * locator (the file a differencing disk reads through), a log that has not been replayed (qemu refuses such a file
 * read-only), blocks past the end of the file, and whatever keeps the disk from opening at all.
 */
final class VhdxSafety {
    private VhdxSafety() {
    }

    static List<SafetyFinding> findings(Storage storage) throws IOException {
        List<SafetyFinding> out = new ArrayList<>();
        OpenOptions inspect = OpenOptions.readOnlyDefaults().withOpenBacking(false);
        try (VhdxImage image = VhdxImage.open(storage, inspect, true, false)) {
            String parent = image.storedParentPath();
            if (image.parentPath() != null) {
                out.add(SafetyFinding.reference(ReferenceKind.BACKING_FILE, parent, "a differencing disk whose "
                        + "parent is " + SafetyFinding.describeName(parent)));
            }
            if (image.logState() == VhdxImage.LogState.REPLAYED_IN_MEMORY) {
                out.add(SafetyFinding.of(Category.STRUCTURE, "a log that has not been replayed: opening the file "
                        + "read-write (or check -r all) changes it, and qemu-img refuses it read-only"));
            }
            for (String problem : VhdxChecker.batProblems(image, image.regions(), false)) {
                out.add(SafetyFinding.of(Category.STRUCTURE, problem));
            }
        } catch (UnsupportedFeatureException e) {
            out.add(SafetyFinding.of(Category.FEATURE, e.getMessage()));
        } catch (CorruptImageException e) {
            out.add(SafetyFinding.of(Category.STRUCTURE, e.getMessage()));
        }
        return out;
    }
}
