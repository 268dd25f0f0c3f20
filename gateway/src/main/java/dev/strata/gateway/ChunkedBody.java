package dev.strata.gateway;

import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.oci.OciError;
import dev.strata.core.spi.ChunkStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Streams a request body into storage: cuts it into chunks of a fixed size; each chunk is hashed on
 * a worker (chunks strictly in order, since the digest runs over the whole body) while it is stored
 * by another worker, and the next chunk keeps filling meanwhile. At most {@link #MAX_IN_FLIGHT}
 * chunks are buffered; beyond that the request is paused, so memory per upload stays bounded
 * whatever the body's size. On failure, every chunk it wrote is deleted once all writes are over.
 * Each chunk's ref records its CRC32C (computed while it is stored) and the store's placement.
 * Chunk arrays come from the shared bounded {@link ChunkBuffers}: when none is free the request
 * stays paused until one is given back (or fails with 503 when none comes in time).
 */
final class ChunkedBody {
    static final int MAX_IN_FLIGHT = 3;

    /** What was written: the chunks in order and their total length. */
    record Result(List<ChunkRef> chunks, long length) {}

    private final Vertx vertx;
    private final HttpServerRequest req;
    private final ChunkStore store;
    private final ChunkBuffers buffers;
    private final MessageDigest digest;
    private final int chunkBytes;
    private final long maxBytes;
    private final java.util.function.Consumer<String> onChunk;
    private final Promise<Result> done = Promise.promise();
    private final List<ChunkRef> written = new ArrayList<>();
    private byte[] current;
    private int pos;
    private long total;
    private int inFlight;
    private boolean ended;
    private boolean failed;
    /** Bytes received while no chunk array was free (at most what arrived before the pause took hold). */
    private Buffer pending;
    private boolean waitingForBuffer;
    private boolean endPending;
    /** The last chunk's hashing: each chunk's hash waits for the one before. */
    private Future<Void> hashTail = Future.succeededFuture();
    /** Completes when every chunk so far is hashed and stored (or failed). */
    private Future<Void> tail = Future.succeededFuture();

    private ChunkedBody(Vertx vertx, HttpServerRequest req, ChunkStore store, ChunkBuffers buffers, MessageDigest digest,
                        int chunkBytes, long maxBytes, java.util.function.Consumer<String> onChunk) {
        this.onChunk = onChunk;
        this.vertx = vertx;
        this.req = req;
        this.store = store;
        this.buffers = buffers;
        this.digest = digest;
        this.chunkBytes = chunkBytes;
        this.maxBytes = maxBytes;
    }

    /**
     * Reads the (paused) request's body to its end. {@code digest} is updated with every byte, in
     * order. Fails with SIZE_INVALID past {@code maxBytes}. {@code onChunk} is told each chunk's id
     * as its write starts (on the request's event loop).
     */
    static Future<Result> write(Vertx vertx, HttpServerRequest req, ChunkStore store, ChunkBuffers buffers,
                                MessageDigest digest, int chunkBytes, long maxBytes, java.util.function.Consumer<String> onChunk) {
        ChunkedBody b = new ChunkedBody(vertx, req, store, buffers, digest, chunkBytes, maxBytes, onChunk);
        b.begin();
        return b.done.future();
    }

    private void begin() {
        if (req.isEnded()) {
            done.complete(new Result(List.of(), 0));
            return;
        }
        req.handler(this::onData);
        req.exceptionHandler(this::fail);
        req.endHandler(v -> {
            if (waitingForBuffer) endPending = true;
            else onEnd();
        });
        req.resume();
    }

    private void onEnd() {
        ended = true;
        if (pos > 0 && !failed) flush();
        tail.onComplete(ar -> {
            if (ar.failed()) fail(ar.cause());
            else if (!failed) done.tryComplete(new Result(List.copyOf(written), total));
        });
    }

    private void onData(Buffer buf) {
        if (failed) return;
        int len = buf.length();
        total += len;
        if (total > maxBytes) {
            fail(OciError.SIZE_INVALID.exception("blob larger than the limit of " + maxBytes + " bytes"));
            return;
        }
        if (waitingForBuffer) {
            pending.appendBuffer(buf);
            return;
        }
        copy(buf, 0);
    }

    /** Copies {@code buf} from {@code off} into chunk arrays; stops and waits when the pool is empty. */
    private void copy(Buffer buf, int off) {
        int len = buf.length();
        while (off < len) {
            if (current == null) {
                current = buffers.tryTake();
                pos = 0;
                if (current == null) {
                    awaitBuffer(buf.getBuffer(off, len));
                    return;
                }
            }
            int n = Math.min(len - off, chunkBytes - pos);
            buf.getBytes(off, off + n, current, pos);
            pos += n;
            off += n;
            if (pos == chunkBytes) flush();
        }
    }

    private void awaitBuffer(Buffer rest) {
        waitingForBuffer = true;
        pending = rest;
        req.pause();
        buffers.take(vertx).onComplete(ar -> {
            if (ar.failed()) {
                fail(ar.cause());
                return;
            }
            if (failed) {
                buffers.give(ar.result());
                return;
            }
            waitingForBuffer = false;
            current = ar.result();
            pos = 0;
            Buffer p = pending;
            pending = null;
            copy(p, 0);
            if (waitingForBuffer) return;
            if (endPending) {
                endPending = false;
                onEnd();
            } else {
                resumeIfRoom();
            }
        });
    }

    private void resumeIfRoom() {
        if (!ended && !failed && !waitingForBuffer && inFlight < MAX_IN_FLIGHT) req.resume();
    }

    private void flush() {
        byte[] data = current;
        int length = pos;
        current = null;
        pos = 0;
        String id = ChunkStore.newUploadChunkId(System.currentTimeMillis());
        // the ref gets its CRC32C once stored; the placement is the topology it is written under
        dev.strata.core.events.Event.Placement placement = store.placement();
        int index = written.size();
        written.add(new ChunkRef(id, length, null, placement));
        onChunk.accept(id);
        inFlight++;
        if (inFlight >= MAX_IN_FLIGHT && !ended) req.pause();
        Future<Void> hashed = hashTail.compose(v -> vertx.executeBlocking(() -> {
            digest.update(data, 0, length);
            return null;
        }, false));
        hashTail = hashed;
        Future<Void> stored = vertx.executeBlocking(() -> {
            ByteBuffer bytes = ByteBuffer.wrap(data, 0, length);
            long crc = ChunkStore.crc32c(bytes);
            store.put(id, bytes);
            return crc;
        }, false).map(crc -> {
            written.set(index, new ChunkRef(id, length, crc, placement));
            return null;
        });
        Future<Void> both = Future.join(hashed, stored).andThen(ar -> {
            buffers.give(data);
            inFlight--;
            if (ar.failed()) fail(ar.cause());
            else resumeIfRoom();
        }).mapEmpty();
        tail = Future.join(tail, both).mapEmpty();
    }

    private void fail(Throwable t) {
        if (failed) return;
        failed = true;
        buffers.give(current);
        current = null;
        pending = null;
        List<ChunkRef> toDelete = List.copyOf(written);
        tail.onComplete(ar -> discard(vertx, store, toDelete));
        done.tryFail(t);
    }

    /** Deletes chunks that no event references (a failed or rejected body). Best effort. */
    static void discard(Vertx vertx, ChunkStore store, List<ChunkRef> chunks) {
        if (chunks.isEmpty()) return;
        vertx.executeBlocking(() -> {
            for (ChunkRef c : chunks) {
                try {
                    store.delete(c.id());
                } catch (RuntimeException ignored) {
                    // left for GC
                }
            }
            return null;
        }, false);
    }
}
