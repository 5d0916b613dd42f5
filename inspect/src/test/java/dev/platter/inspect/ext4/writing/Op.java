package dev.platter.inspect.ext4.writing;

import java.io.IOException;
import java.time.Instant;

/**
 * One concrete operation of a test: applied to the model and to a {@link Target} alike. Its text is what a failure
 * report lists, enough to replay the sequence by hand.
 */
public sealed interface Op {
    void model(ModelFs m);

    void apply(Target t) throws IOException;

    /** Whether the operation changes the tree (commit and reopen do not). */
    default boolean changes() {
        return true;
    }

    record Mkdir(String path, ModelFs.Attr a) implements Op {
        public void model(ModelFs m) {
            m.mkdir(path, a);
        }

        public void apply(Target t) throws IOException {
            t.mkdir(path, a);
        }

        @Override
        public String toString() {
            return "mkdir " + path + " " + a;
        }
    }

    record Create(String path, ModelFs.Attr a, byte[] data, String how) implements Op {
        public void model(ModelFs m) {
            m.createFile(path, a, data);
        }

        public void apply(Target t) throws IOException {
            t.createFile(path, a, data);
        }

        @Override
        public String toString() {
            return "createFile " + path + " " + a + " size=" + data.length + " " + how;
        }
    }

    record Symlink(String path, String target, ModelFs.Attr a) implements Op {
        public void model(ModelFs m) {
            m.symlink(path, target, a);
        }

        public void apply(Target t) throws IOException {
            t.symlink(path, target, a);
        }

        @Override
        public String toString() {
            return "symlink " + path + " -> " + (target.length() > 40 ? target.substring(0, 20) + "...("
                    + target.length() + " bytes)" : target) + " " + a;
        }
    }

    record Mknod(String path, char type, long major, long minor, ModelFs.Attr a) implements Op {
        public void model(ModelFs m) {
            m.mknod(path, type, major, minor, a);
        }

        public void apply(Target t) throws IOException {
            t.mknod(path, type, major, minor, a);
        }

        @Override
        public String toString() {
            return "mknod " + path + " " + type + " " + major + "," + minor + " " + a;
        }
    }

    record Link(String existing, String path) implements Op {
        public void model(ModelFs m) {
            m.link(existing, path);
        }

        public void apply(Target t) throws IOException {
            t.link(existing, path);
        }

        @Override
        public String toString() {
            return "link " + existing + " " + path;
        }
    }

    record Unlink(String path) implements Op {
        public void model(ModelFs m) {
            m.unlink(path);
        }

        public void apply(Target t) throws IOException {
            t.unlink(path);
        }

        @Override
        public String toString() {
            return "unlink " + path;
        }
    }

    record Rmdir(String path) implements Op {
        public void model(ModelFs m) {
            m.rmdir(path);
        }

        public void apply(Target t) throws IOException {
            t.rmdir(path);
        }

        @Override
        public String toString() {
            return "rmdir " + path;
        }
    }

    record Rename(String from, String to, String how) implements Op {
        public void model(ModelFs m) {
            m.rename(from, to);
        }

        public void apply(Target t) throws IOException {
            t.rename(from, to);
        }

        @Override
        public String toString() {
            return "rename " + from + " " + to + " (" + how + ")";
        }
    }

    record Replace(String path, byte[] data, String how) implements Op {
        public void model(ModelFs m) {
            m.replaceContent(path, data);
        }

        public void apply(Target t) throws IOException {
            t.replaceContent(path, data);
        }

        @Override
        public String toString() {
            return "replaceContent " + path + " size=" + data.length + " " + how;
        }
    }

    record Truncate(String path, long size) implements Op {
        public void model(ModelFs m) {
            m.truncate(path, size);
        }

        public void apply(Target t) throws IOException {
            t.truncate(path, size);
        }

        @Override
        public String toString() {
            return "truncate " + path + " " + size;
        }
    }

    record Chmod(String path, int perm) implements Op {
        public void model(ModelFs m) {
            m.chmod(path, perm);
        }

        public void apply(Target t) throws IOException {
            t.chmod(path, perm);
        }

        @Override
        public String toString() {
            return "chmod " + path + " " + Integer.toOctalString(perm);
        }
    }

    record Chown(String path, long uid, long gid) implements Op {
        public void model(ModelFs m) {
            m.chown(path, uid, gid);
        }

        public void apply(Target t) throws IOException {
            t.chown(path, uid, gid);
        }

        @Override
        public String toString() {
            return "chown " + path + " " + uid + ":" + gid;
        }
    }

    record SetTimes(String path, Instant atime, Instant mtime) implements Op {
        public void model(ModelFs m) {
            m.setTimes(path, atime, mtime);
        }

        public void apply(Target t) throws IOException {
            t.setTimes(path, atime, mtime);
        }

        @Override
        public String toString() {
            return "setTimes " + path + " atime=" + atime + " mtime=" + mtime;
        }
    }

    record Commit() implements Op {
        public void model(ModelFs m) {
        }

        public void apply(Target t) throws IOException {
            t.commit();
        }

        public boolean changes() {
            return false;
        }

        @Override
        public String toString() {
            return "commit";
        }
    }

    record Reopen() implements Op {
        public void model(ModelFs m) {
        }

        public void apply(Target t) throws IOException {
            t.reopen();
        }

        public boolean changes() {
            return false;
        }

        @Override
        public String toString() {
            return "close and reopen";
        }
    }
}
