package dev.platter.core.image.capability;

import java.util.List;

/**
 * Dirty bitmaps stored in the image. Offered only where the image can carry them (qcow2 version 3), even when it
 * holds none, as qemu asks before counting them.
 */
public interface PersistentBitmaps {

    /** One stored bitmap: its name and the bytes each bit covers. */
    record Bitmap(String name, long granularity) {
    }

    List<Bitmap> persistentBitmaps();
}
