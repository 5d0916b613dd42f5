package dev.platter.inspect.guest;

/** The POSIX errors a path lookup or a write in the guest can end with, with strerror's words. */
public enum Errno {
    ENOENT("No such file or directory"),
    ENOTDIR("Not a directory"),
    EISDIR("Is a directory"),
    ELOOP("Too many levels of symbolic links"),
    EINVAL("Invalid argument"),
    ENAMETOOLONG("File name too long"),
    EEXIST("File exists"),
    ENOTEMPTY("Directory not empty"),
    EBUSY("Device or resource busy"),
    EPERM("Operation not permitted"),
    EXDEV("Invalid cross-device link");

    private final String message;

    Errno(String message) {
        this.message = message;
    }

    public String message() {
        return message;
    }
}
