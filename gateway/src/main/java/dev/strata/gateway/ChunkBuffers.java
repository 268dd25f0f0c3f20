package dev.strata.gateway;

import java.util.concurrent.ArrayBlockingQueue;

/**
 * A bounded pool of chunk-sized byte arrays for upload bodies, so that streaming a large blob does
 * not allocate (and the collector does not reclaim) a fresh multi-MiB array per chunk. Arrays of
 * another size are never pooled; past {@code retained} arrays, returned ones are dropped.
 */
final class ChunkBuffers {
    private final int size;
    private final ArrayBlockingQueue<byte[]> free;

    ChunkBuffers(int size, int retained) {
        this.size = size;
        this.free = new ArrayBlockingQueue<>(retained);
    }

    byte[] take() {
        byte[] b = free.poll();
        return b != null ? b : new byte[size];
    }

    /** Returns an array no one reads or writes any more. */
    void give(byte[] b) {
        if (b != null && b.length == size) free.offer(b);
    }
}
