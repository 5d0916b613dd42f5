package dev.platter.inspect.guest;

/** Linux's names for SCSI disks, as libguestfs uses them: sda ... sdz, sdaa ... sdzz, sdaaa ... */
public final class DeviceNames {
    private DeviceNames() {
    }

    /** "a" for 0, "z" for 25, "aa" for 26 ... */
    public static String driveLetters(int index) {
        StringBuilder sb = new StringBuilder();
        int i = index;
        do {
            sb.insert(0, (char) ('a' + i % 26));
            i = i / 26 - 1;
        } while (i >= 0);
        return sb.toString();
    }

    /** The inverse of {@link #driveLetters}, or -1 when {@code letters} is not lower-case letters. */
    public static int driveIndex(String letters) {
        if (letters.isEmpty() || letters.length() > 4) {
            return -1;
        }
        int index = 0;
        for (char c : letters.toCharArray()) {
            if (c < 'a' || c > 'z') {
                return -1;
            }
            index = index * 26 + (c - 'a' + 1);
        }
        return index - 1;
    }

    /** "/dev/sda" for disk 0. */
    public static String disk(int index) {
        return "/dev/sd" + driveLetters(index);
    }
}
