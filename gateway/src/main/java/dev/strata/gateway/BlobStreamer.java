package dev.strata.gateway;

import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.spi.ChunkStore;
import io.netty.buffer.Unpooled;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Streams a byte range of a chunked blob to a response: reads the next segment from storage on a
 * worker while the current one is written, and writes it once the current write has reached the
 * socket, so at most two segments are in memory per response. Segments are read straight into a
 * pooled direct buffer ({@link ChunkStore#readInto}) that the socket writes from, with no heap copy;
 * when the pool stays exhausted for {@link SegmentBuffers#WAIT_MILLIS}, a segment goes through a heap
 * array instead.
 */
final class BlobStreamer {
    /** Largest segment read at once. */
    static final int SEGMENT = 4 << 20;

    private record Segment(ChunkRef chunk, long offset, int length) {}

    /** Bytes to write, and the pooled buffer behind them (null for a heap segment). */
    private record Bytes(Buffer data, ByteBuffer pooled) {}

    private final Vertx vertx;
    private final ChunkStore store;
    private final SegmentBuffers pool;
    private final HttpServerResponse resp;
    private final List<Segment> segments;
    private final Promise<Void> done = Promise.promise();
    /** Whether the response ends after the last segment. */
    private final boolean end;
    private int next;

    private BlobStreamer(Vertx vertx, ChunkStore store, SegmentBuffers pool, HttpServerResponse resp, List<Segment> segments, boolean end) {
        this.end = end;
        this.vertx = vertx;
        this.store = store;
        this.pool = pool;
        this.resp = resp;
        this.segments = segments;
    }

    /** Writes bytes [start, endInclusive] of the blob made of {@code chunks}, then ends the response. */
    static Future<Void> stream(Vertx vertx, ChunkStore store, SegmentBuffers pool, HttpServerResponse resp,
                               List<ChunkRef> chunks, long start, long endInclusive) {
        return start(vertx, store, pool, resp, chunks, start, endInclusive, true);
    }

    /** Writes bytes [start, endInclusive] of the blob made of {@code chunks}, and leaves the response open (a multipart part). */
    static Future<Void> write(Vertx vertx, ChunkStore store, SegmentBuffers pool, HttpServerResponse resp,
                              List<ChunkRef> chunks, long start, long endInclusive) {
        return start(vertx, store, pool, resp, chunks, start, endInclusive, false);
    }

    private static Future<Void> start(Vertx vertx, ChunkStore store, SegmentBuffers pool, HttpServerResponse resp,
                                      List<ChunkRef> chunks, long start, long endInclusive, boolean end) {
        int segment = pool.size();
        List<Segment> segs = new ArrayList<>();
        long chunkStart = 0;
        for (ChunkRef c : chunks) {
            long chunkEnd = chunkStart + c.length() - 1;
            if (chunkEnd >= start && chunkStart <= endInclusive) {
                long from = Math.max(start, chunkStart) - chunkStart;
                long to = Math.min(endInclusive, chunkEnd) - chunkStart;
                for (long o = from; o <= to; o += segment) {
                    segs.add(new Segment(c, o, (int) Math.min(segment, to - o + 1)));
                }
            }
            chunkStart += c.length();
        }
        BlobStreamer s = new BlobStreamer(vertx, store, pool, resp, segs, end);
        s.pump(s.read());
        return s.done.future();
    }

    private Future<Bytes> read() {
        if (next >= segments.size()) return null;
        Segment s = segments.get(next++);
        // a pooled buffer if one comes back soon; the heap path otherwise
        return pool.take(vertx).compose(pooled -> vertx.executeBlocking(() -> {
            if (pooled == null) return new Bytes(Buffer.buffer(store.read(s.chunk(), s.offset(), s.length())), null);
            try {
                pooled.limit(s.length());
                store.readInto(s.chunk(), s.offset(), pooled);
            } catch (RuntimeException | Error e) {
                pool.give(pooled);
                throw e;
            }
            pooled.flip();
            return new Bytes(BufferInternal.buffer(Unpooled.wrappedBuffer(pooled)), pooled);
        }, false));
    }

    private void release(Bytes b) {
        pool.give(b.pooled());
    }

    /** Gives back the buffer of a read that will never be written. */
    private void drop(Future<Bytes> pending) {
        if (pending != null) pending.onSuccess(this::release);
    }

    private void pump(Future<Bytes> pending) {
        if (pending == null) {
            if (end) resp.end().onComplete(done);
            else done.tryComplete();
            return;
        }
        pending.onComplete(ar -> {
            if (ar.failed()) {
                done.tryFail(ar.cause());
                return;
            }
            Bytes b = ar.result();
            if (resp.closed()) {
                release(b);
                done.tryFail(new IllegalStateException("client went away"));
                return;
            }
            Future<Bytes> following = read();
            // the write's future completes once the bytes are in the socket (or the connection
            // failed): only then may the buffer be reused, and only then is the next one written
            resp.write(b.data()).onComplete(w -> {
                release(b);
                if (w.failed()) {
                    drop(following);
                    done.tryFail(w.cause());
                } else {
                    pump(following);
                }
            });
        });
    }
}
