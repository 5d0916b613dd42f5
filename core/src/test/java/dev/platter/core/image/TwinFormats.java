package dev.platter.core.image;

import dev.platter.core.storage.Storage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Two test formats (registered for core's tests only) that both claim content starting with "TWINS", so probing is
 * ambiguous; "SECOND" is claimed by the second alone; the first owns the extension ".first".
 */
public final class TwinFormats {
    private TwinFormats() {
    }

    abstract static class Twin implements ImageFormat {
        static boolean startsWith(ByteBuffer header, String magic) {
            byte[] m = magic.getBytes(StandardCharsets.US_ASCII);
            if (header.remaining() < m.length) {
                return false;
            }
            for (int i = 0; i < m.length; i++) {
                if (header.get(header.position() + i) != m[i]) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public Image open(Storage storage, OpenOptions options) {
            throw new UnsupportedOperationException("a probe-only test format");
        }

        @Override
        public String describeCreate(long size, CreateOptions options) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void create(Path path, long size, CreateOptions options) {
            throw new UnsupportedOperationException();
        }
    }

    public static final class First extends Twin {
        @Override
        public String name() {
            return "first-twin";
        }

        @Override
        public List<String> fileExtensions() {
            return List.of("first");
        }

        @Override
        public int probe(ByteBuffer header, Storage storage) {
            return startsWith(header, "TWINS") ? CERTAIN : 0;
        }
    }

    public static final class Second extends Twin {
        @Override
        public String name() {
            return "second-twin";
        }

        @Override
        public int probe(ByteBuffer header, Storage storage) {
            return startsWith(header, "TWINS") || startsWith(header, "SECOND") ? CERTAIN : 0;
        }
    }
}
