package dev.strata.gateway;

import dev.strata.core.oci.OciError;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * The bounded pool of chunk-sized byte arrays that upload bodies are cut into. At most {@code max}
 * arrays ever exist, whatever the number of concurrent uploads, so upload memory stays below
 * {@code max * size} bytes; they are reused, so a large blob does not make the collector reclaim a
 * fresh multi-MiB array per chunk.
 *
 * <p>When all {@code max} are in use, {@link #take} waits (its caller pauses the request, so TCP
 * pushes back on the client) until one is given back, first come first served; after
 * {@code waitMillis} it fails with 503 UNAVAILABLE instead. Every upload holds at most
 * {@link #PER_UPLOAD} arrays and gives each back once its chunk is stored, so a pool of at least
 * that many always makes progress.
 */
final class ChunkBuffers {
    /** Arrays one upload can hold at once: the chunks being stored plus the one filling. */
    static final int PER_UPLOAD = ChunkedBody.MAX_IN_FLIGHT + 1;

    private final int size;
    private final long waitMillis;
    private final BufferPool<byte[]> pool;

    ChunkBuffers(int size, int max, long waitMillis) {
        if (size <= 0 || waitMillis < 1) throw new IllegalArgumentException("size " + size + ", wait " + waitMillis);
        this.size = size;
        this.waitMillis = waitMillis;
        this.pool = new BufferPool<>(max, () -> new byte[size]);
    }

    /**
     * A quarter of the heap's maximum in {@code size} units, at least {@link #PER_UPLOAD} and at most
     * 64: 16 arrays (4 uploads at full speed) at -Xmx256m with 4 MiB chunks, 64 at -Xmx1g.
     */
    static ChunkBuffers forHeap(int size, long waitMillis) {
        long budget = Runtime.getRuntime().maxMemory() / 4;
        return new ChunkBuffers(size, (int) Math.max(PER_UPLOAD, Math.min(64, budget / size)), waitMillis);
    }

    /** An array at once, or null when all {@code max} are in use. */
    byte[] tryTake() {
        return pool.tryTake();
    }

    /**
     * An array; when none is free, completes on the caller's context once one is given back, or fails
     * with UNAVAILABLE (503) after the wait limit. Must be called on a Vert.x context.
     */
    Future<byte[]> take(Vertx vertx) {
        return pool.take(vertx, waitMillis).compose(b -> b != null ? Future.succeededFuture(b)
                : Future.failedFuture(OciError.UNAVAILABLE.exception("all " + pool.max() + " upload buffers stayed busy for "
                        + waitMillis + " ms; retry later")));
    }

    /** Gives back an array that no one reads or writes any more; each taken array exactly once. */
    void give(byte[] b) {
        if (b != null && b.length == size) pool.give(b);
    }

    /** Arrays in existence (free or in use); never more than {@link #max()}. */
    int allocated() {
        return pool.allocated();
    }

    int free() {
        return pool.free();
    }

    int max() {
        return pool.max();
    }
}
