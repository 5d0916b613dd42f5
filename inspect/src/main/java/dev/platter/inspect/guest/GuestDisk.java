package dev.platter.inspect.guest;

import dev.platter.core.image.Image;
import dev.platter.inspect.volume.PartitionTable;

import java.nio.file.Path;

/**
 * One attached disk.
 *
 * @param index     its position among the disks given (0 = sda)
 * @param name      "/dev/sda" ...
 * @param path      the image file
 * @param image     the opened image
 * @param table     its partition table, or null when it has none
 */
public record GuestDisk(int index, String name, Path path, Image image, PartitionTable table) {
}
