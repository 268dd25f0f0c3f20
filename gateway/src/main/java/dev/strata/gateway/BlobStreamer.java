package dev.strata.gateway;

import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.spi.ChunkStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * Streams a byte range of a chunked blob to a response: reads the next segment from storage on a
 * worker while the current one is written, and waits for the response's write queue to drain, so
 * at most two segments are in memory per response.
 */
final class BlobStreamer {
    /** Largest segment read at once. */
    static final int SEGMENT = 4 << 20;

    private record Segment(String chunkId, long offset, int length) {}

    private final Vertx vertx;
    private final ChunkStore store;
    private final HttpServerResponse resp;
    private final List<Segment> segments;
    private final Promise<Void> done = Promise.promise();
    private int next;

    private BlobStreamer(Vertx vertx, ChunkStore store, HttpServerResponse resp, List<Segment> segments) {
        this.vertx = vertx;
        this.store = store;
        this.resp = resp;
        this.segments = segments;
    }

    /** Writes bytes [start, endInclusive] of the blob made of {@code chunks}, then ends the response. */
    static Future<Void> stream(Vertx vertx, ChunkStore store, HttpServerResponse resp, List<ChunkRef> chunks,
                               long start, long endInclusive) {
        List<Segment> segs = new ArrayList<>();
        long chunkStart = 0;
        for (ChunkRef c : chunks) {
            long chunkEnd = chunkStart + c.length() - 1;
            if (chunkEnd >= start && chunkStart <= endInclusive) {
                long from = Math.max(start, chunkStart) - chunkStart;
                long to = Math.min(endInclusive, chunkEnd) - chunkStart;
                for (long o = from; o <= to; o += SEGMENT) {
                    segs.add(new Segment(c.id(), o, (int) Math.min(SEGMENT, to - o + 1)));
                }
            }
            chunkStart += c.length();
        }
        BlobStreamer s = new BlobStreamer(vertx, store, resp, segs);
        s.pump(s.read());
        return s.done.future();
    }

    private Future<byte[]> read() {
        if (next >= segments.size()) return null;
        Segment s = segments.get(next++);
        return vertx.executeBlocking(() -> store.read(s.chunkId(), s.offset(), s.length()), false);
    }

    private void pump(Future<byte[]> pending) {
        if (pending == null) {
            resp.end().onComplete(done);
            return;
        }
        pending.onComplete(ar -> {
            if (ar.failed()) {
                done.tryFail(ar.cause());
                return;
            }
            if (resp.closed()) {
                done.tryFail(new IllegalStateException("client went away"));
                return;
            }
            Future<byte[]> following = read();
            resp.write(Buffer.buffer(ar.result()));
            if (resp.writeQueueFull()) resp.drainHandler(v -> pump(following));
            else pump(following);
        });
    }
}
