package dev.platter.inspect.guest;

import dev.platter.inspect.fs.FileSystemDriver;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** The filesystem drivers on the class path (ServiceLoader), found once. */
public final class FileSystemDrivers {
    private static volatile List<FileSystemDriver> drivers;

    private FileSystemDrivers() {
    }

    public static List<FileSystemDriver> all() {
        List<FileSystemDriver> d = drivers;
        if (d == null) {
            List<FileSystemDriver> found = new ArrayList<>();
            ServiceLoader.load(FileSystemDriver.class, FileSystemDrivers.class.getClassLoader()).forEach(found::add);
            drivers = d = List.copyOf(found);
        }
        return d;
    }
}
