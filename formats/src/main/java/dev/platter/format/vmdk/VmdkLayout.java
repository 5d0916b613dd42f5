package dev.platter.format.vmdk;

import java.util.List;

/**
 * What opening a VMDK found: its extents in disk order and what the descriptor says about the disk.
 *
 * @param createType   qemu's create type ("monolithicSparse" for a sparse file, "streamOptimized" as soon as an
 *                     extent is compressed, else the descriptor's)
 * @param cid          the content ID
 * @param parentCid    the parent's content ID (0xffffffff: none)
 * @param parentHint   parentFileNameHint, or null
 * @param keysAt       where in the image file the descriptor keys (CID ...) are read and rewritten
 */
record VmdkLayout(List<VmdkExtent> extents, String createType, long cid, long parentCid, String parentHint,
                  long keysAt) {
}
