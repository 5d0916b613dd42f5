package dev.platter.inspect.fs;

/**
 * What statvfs(2) reports, the numbers virt-df prints from.
 *
 * @param blockSize       f_bsize / f_frsize: the unit of the block counts
 * @param blocks          f_blocks: total data blocks
 * @param freeBlocks      f_bfree: free blocks
 * @param availableBlocks f_bavail: free blocks available to unprivileged users
 * @param files           f_files: total inodes
 * @param freeFiles       f_ffree: free inodes
 * @param nameMax         f_namemax: longest name
 */
public record StatFs(long blockSize, long blocks, long freeBlocks, long availableBlocks, long files, long freeFiles,
                     long nameMax) {
}
