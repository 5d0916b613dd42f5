package dev.platter.cli;

import dev.platter.core.image.ImageFormat;
import dev.platter.core.image.Images;

import java.util.List;
import java.util.function.Predicate;

/** The formats Platter knows, in one line, for the hint after an unknown format name. */
final class FormatList {
    private FormatList() {
    }

    static String line() {
        String line = "Formats: read and written: " + names(f -> f.readable() && f.writable());
        String readOnly = names(f -> f.readable() && !f.writable());
        if (!readOnly.isEmpty()) {
            line += "; read only: " + readOnly;
        }
        String recognised = names(f -> !f.readable());
        if (!recognised.isEmpty()) {
            line += "; recognised, not supported yet: " + recognised;
        }
        return line;
    }

    private static String names(Predicate<ImageFormat> which) {
        List<String> names = Images.formats().stream().filter(which).map(ImageFormat::name).toList();
        return String.join(", ", names);
    }
}
