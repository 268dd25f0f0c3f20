package dev.strata.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.ByteBuffer;

/**
 * A bounded pool of direct buffers for the pull path: a blob segment is read from storage straight
 * into one ({@code ChunkStore.readInto}) and written to the socket from it, so the bytes are copied
 * once on their way out instead of three times (store to heap array, heap array to Netty's direct
 * buffer, direct buffer to socket). At most {@code max} buffers ever exist. When all are in use,
 * {@link #take(Vertx)} waits a little for one to come back (each is in use only until its segment
 * has reached the socket) and only then answers null, and the caller takes the heap path: direct
 * memory stays bounded whatever the number of concurrent pulls, and a client that stops reading
 * cannot hold up the others for more than that wait.
 */
final class SegmentBuffers {
    /** How long a segment read waits for a pooled buffer before it goes through the heap instead. */
    static final long WAIT_MILLIS = 200;

    private final int size;
    private final BufferPool<ByteBuffer> pool;

    SegmentBuffers(int size, int max) {
        if (size <= 0 || max < 1) throw new IllegalArgumentException("size " + size + ", max " + max);
        this.size = size;
        this.pool = new BufferPool<>(max, () -> ByteBuffer.allocateDirect(size));
    }

    /** One direct buffer per 8 (at most 32) of the heap's maximum, in {@code size} units: 16 at -Xmx256m. */
    static SegmentBuffers forHeap(int size) {
        long budget = Runtime.getRuntime().maxMemory() / 4;
        return new SegmentBuffers(size, (int) Math.max(2, Math.min(32, budget / size)));
    }

    /** A cleared buffer, waiting up to {@link #WAIT_MILLIS} for one; null after that. Call on a Vert.x context. */
    Future<ByteBuffer> take(Vertx vertx) {
        return pool.take(vertx, WAIT_MILLIS).map(b -> b == null ? null : b.clear());
    }

    /** Returns a buffer that nothing reads or writes any more (each taken buffer exactly once). */
    void give(ByteBuffer b) {
        pool.give(b);
    }

    int size() {
        return size;
    }
}
