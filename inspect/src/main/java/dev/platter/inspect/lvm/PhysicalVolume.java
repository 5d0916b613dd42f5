package dev.platter.inspect.lvm;

import dev.platter.core.BlockDevice;

/**
 * A device that carries a PV label.
 *
 * @param deviceName the guest's name for the device ("/dev/sda2", "/dev/sdb")
 * @param device     the device (a partition or a whole disk)
 * @param label      its label and PV header
 */
public record PhysicalVolume(String deviceName, BlockDevice device, PvLabel label) {

    public String uuid() {
        return label.uuid();
    }
}
