package dev.platter.operation;

import java.io.IOException;
import java.nio.ByteBuffer;

/** One write a worker prepared for the target; applied in request order unless the target does not care. */
sealed interface WriteOp {

    void apply(ConvertTarget target) throws IOException;

    /** Bytes as they are. */
    record Data(long pos, ByteBuffer bytes) implements WriteOp {
        @Override
        public void apply(ConvertTarget target) throws IOException {
            target.write(pos, bytes.duplicate());
        }
    }

    /** A range that must read as zeros (only when the target does not already). */
    record Zeroes(long pos, long len) implements WriteOp {
        @Override
        public void apply(ConvertTarget target) throws IOException {
            target.writeZeroes(pos, len);
        }
    }

    /** One compressed cluster. */
    record Compressed(long pos, ByteBuffer bytes) implements WriteOp {
        @Override
        public void apply(ConvertTarget target) throws IOException {
            target.writeCompressed(pos, bytes.duplicate());
        }
    }
}
