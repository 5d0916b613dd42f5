package dev.platter.core.storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A new image written under a hidden name beside its final one and renamed into place only when complete, so that
 * an interrupted conversion (a crash, a kill, an error) never leaves a file under the final name that looks like a
 * finished image, and an existing file there stays intact until the new one replaces it. While the new file is
 * written, the existing one is locked as a writer would lock it, so a guest using it keeps the conversion out.
 */
public final class StagedFile implements Closeable {
    private static final AtomicLong COUNTER = new AtomicLong();
    private final Path target;
    private final Path staging;
    private final Storage guard;
    private boolean committed;

    private StagedFile(Path target, Path staging, Storage guard) {
        this.target = target;
        this.staging = staging;
        this.guard = guard;
    }

    /**
     * Starts a new file for {@code target}, or returns null when it must be written in place: the target is a
     * symbolic link (the link's target is what the caller means) or not a regular file (a block device).
     *
     * @param name the target as the user named it, for messages
     */
    public static StagedFile begin(Path target, String name) throws IOException {
        if (Files.isSymbolicLink(target)
                || (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(target))) {
            return null;
        }
        Storage guard = null;
        if (Files.exists(target)) {
            guard = HostFiles.open(target, name, true);
            try {
                guard.lock(ImageLock.writer(true));
            } catch (IOException e) {
                guard.close();
                if (e instanceof ImageLockedException) {
                    throw new IOException("Could not open '" + name + "': " + e.getMessage(), e);
                }
                throw e;
            }
        }
        Path file = target.getFileName();
        Path staging = target.resolveSibling("." + file + ".platter-" + ProcessHandle.current().pid() + "-"
                + COUNTER.incrementAndGet() + ".part");
        Files.deleteIfExists(staging);
        return new StagedFile(target, staging, guard);
    }

    /** Where the new file is written until {@link #commit}. */
    public Path path() {
        return staging;
    }

    /**
     * Puts the finished file in place (atomically replacing what was there, keeping its permissions).
     *
     * @param sync also make the rename durable (sync the folder), for callers that synced the file itself
     */
    public void commit(boolean sync) throws IOException {
        if (Files.exists(target)) {
            PosixFileAttributeView was = Files.getFileAttributeView(target, PosixFileAttributeView.class);
            if (was != null) {
                Files.setPosixFilePermissions(staging, was.readAttributes().permissions());
            }
        }
        try {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(staging, target, StandardCopyOption.REPLACE_EXISTING);
        }
        committed = true;
        if (sync) {
            Path folder = target.toAbsolutePath().getParent();
            try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
                dir.force(true);
            } catch (IOException e) {
                // Some filesystems cannot sync a folder; the file itself is synced.
            }
        }
    }

    /** Removes the unfinished file unless it was committed, and lets go of the target's lock. */
    @Override
    public void close() throws IOException {
        try {
            if (!committed) {
                Files.deleteIfExists(staging);
            }
        } finally {
            if (guard != null) {
                guard.close();
            }
        }
    }
}
