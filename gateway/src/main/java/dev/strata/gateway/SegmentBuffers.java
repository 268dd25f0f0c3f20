package dev.strata.gateway;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded pool of direct buffers for the pull path: a blob segment is read from storage straight
 * into one ({@code ChunkStore.readInto}) and written to the socket from it, so the bytes are copied
 * once on their way out instead of three times (store to heap array, heap array to Netty's direct
 * buffer, direct buffer to socket). At most {@code max} buffers ever exist; when all are in use,
 * {@link #take()} returns null and the caller takes the heap path, so direct memory stays bounded
 * whatever the number of concurrent pulls.
 */
final class SegmentBuffers {
    private final int size;
    private final int max;
    private final ArrayBlockingQueue<ByteBuffer> free;
    private final AtomicInteger allocated = new AtomicInteger();

    SegmentBuffers(int size, int max) {
        if (size <= 0 || max < 0) throw new IllegalArgumentException("size " + size + ", max " + max);
        this.size = size;
        this.max = max;
        this.free = new ArrayBlockingQueue<>(Math.max(1, max));
    }

    /** One direct buffer per 8 (at most 32) of the heap's maximum, in {@code size} units: 16 at -Xmx256m. */
    static SegmentBuffers forHeap(int size) {
        long budget = Runtime.getRuntime().maxMemory() / 4;
        return new SegmentBuffers(size, (int) Math.max(2, Math.min(32, budget / size)));
    }

    /** A cleared buffer of {@code size} bytes, or null when all {@code max} are in use. */
    ByteBuffer take() {
        ByteBuffer b = free.poll();
        if (b != null) return b.clear();
        while (true) {
            int n = allocated.get();
            if (n >= max) return null;
            if (allocated.compareAndSet(n, n + 1)) return ByteBuffer.allocateDirect(size);
        }
    }

    /** Returns a buffer that nothing reads or writes any more (each taken buffer exactly once). */
    void give(ByteBuffer b) {
        if (b != null) free.offer(b);
    }

    int size() {
        return size;
    }
}
