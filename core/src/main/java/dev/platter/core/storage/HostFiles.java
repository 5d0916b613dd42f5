package dev.platter.core.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * The one door through which Platter opens and creates host files for images. By default it hands out
 * {@link FileStorage}; {@link #using} puts another opener in front for the calls made by one thread (and the
 * threads it starts) while a task runs: fault injection records or cuts every write an operation makes, an embedder
 * can count or interpose.
 */
public final class HostFiles {
    /** Opens and creates the storage of host files. */
    public interface Opener {
        /** Opens an existing file, reported as {@code name}. */
        Storage open(Path path, String name, boolean readOnly) throws IOException;

        /**
         * Opens an existing file; with {@code noFollow} a symbolic link as the file itself is refused (O_NOFOLLOW,
         * for untrusted images). Openers that interpose (fault injection) may leave this to the plain open.
         */
        default Storage open(Path path, String name, boolean readOnly, boolean noFollow) throws IOException {
            return open(path, name, readOnly);
        }

        /** Creates a new empty file; fails if it exists unless {@code overwrite}. */
        Storage create(Path path, boolean overwrite) throws IOException;
    }

    /** Plain files. */
    public static final Opener FILES = new Opener() {
        @Override
        public Storage open(Path path, String name, boolean readOnly) throws IOException {
            return FileStorage.open(path, name, readOnly);
        }

        @Override
        public Storage open(Path path, String name, boolean readOnly, boolean noFollow) throws IOException {
            return FileStorage.open(path, name, readOnly, noFollow);
        }

        @Override
        public Storage create(Path path, boolean overwrite) throws IOException {
            return FileStorage.create(path, overwrite);
        }
    };

    private static final InheritableThreadLocal<Opener> CURRENT = new InheritableThreadLocal<>();

    private HostFiles() {
    }

    public static Storage open(Path path, String name, boolean readOnly) throws IOException {
        return opener().open(path, name, readOnly);
    }

    /** As {@link #open(Path, String, boolean)}; {@code noFollow}: refuse a symbolic link (untrusted images). */
    public static Storage open(Path path, String name, boolean readOnly, boolean noFollow) throws IOException {
        return opener().open(path, name, readOnly, noFollow);
    }

    public static Storage create(Path path, boolean overwrite) throws IOException {
        return opener().create(path, overwrite);
    }

    /** Runs {@code task} with {@code opener} in front of every host file it opens or creates. */
    public static <T> T using(Opener opener, Callable<T> task) throws Exception {
        Opener before = CURRENT.get();
        CURRENT.set(opener);
        try {
            return task.call();
        } finally {
            CURRENT.set(before);
        }
    }

    private static Opener opener() {
        Opener o = CURRENT.get();
        return o == null ? FILES : o;
    }
}
