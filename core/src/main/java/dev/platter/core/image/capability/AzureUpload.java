package dev.platter.core.image.capability;

import java.io.IOException;
import java.util.List;

/**
 * Images that Microsoft Azure takes as an uploaded disk when they keep its rules (a fixed VHD whose virtual size is
 * a whole number of MiB, the footer right after the data). {@code platter check --azure} asks; formats Azure does
 * not take at all have no such capability.
 */
public interface AzureUpload {

    /** Each rule the image breaks, in words (one line each); empty when Azure accepts the image as it stands. */
    List<String> azureProblems() throws IOException;
}
