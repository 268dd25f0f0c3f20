package dev.strata.gateway;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Chunk-sized buffers for upload bodies. Up to {@code direct} of them are direct buffers, reused:
 * a chunk in a direct buffer is put into storage without the copy the JNI layer makes of a heap
 * array (RocksDB), and streaming a large blob allocates nothing per chunk. When all direct buffers
 * are in use, heap buffers are handed out instead (up to {@code retainedHeap} of those are kept
 * for reuse), so direct memory stays bounded whatever the number of concurrent uploads.
 */
final class ChunkBuffers {
    private final int size;
    private final int direct;
    private final AtomicInteger directAllocated = new AtomicInteger();
    private final ArrayBlockingQueue<ByteBuffer> freeDirect;
    private final ArrayBlockingQueue<ByteBuffer> freeHeap;

    ChunkBuffers(int size, int direct, int retainedHeap) {
        if (size <= 0 || direct < 0 || retainedHeap < 1) throw new IllegalArgumentException("size " + size + ", direct " + direct + ", heap " + retainedHeap);
        this.size = size;
        this.direct = direct;
        this.freeDirect = new ArrayBlockingQueue<>(Math.max(1, direct));
        this.freeHeap = new ArrayBlockingQueue<>(retainedHeap);
    }

    /** A cleared buffer of {@code size} bytes: a pooled direct one when available, else a heap one. */
    ByteBuffer take() {
        ByteBuffer b = freeDirect.poll();
        if (b != null) return b.clear();
        for (int n = directAllocated.get(); n < direct; n = directAllocated.get()) {
            if (directAllocated.compareAndSet(n, n + 1)) return ByteBuffer.allocateDirect(size);
        }
        b = freeHeap.poll();
        return b != null ? b.clear() : ByteBuffer.allocate(size);
    }

    /** Returns a buffer that no one reads or writes any more (each taken buffer at most once). */
    void give(ByteBuffer b) {
        if (b == null || b.capacity() != size) return;
        if (b.isDirect()) freeDirect.offer(b);
        else freeHeap.offer(b);
    }
}
