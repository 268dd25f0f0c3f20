package dev.strata.core.spi;

import java.nio.ByteBuffer;
import java.util.regex.Pattern;

/**
 * Storage of blob chunks: opaque byte strings of bounded size, addressed by a chunk id. This is the
 * storage-node SPI; the gateway and services reach it through this interface only.
 *
 * <p>Contract:
 * <ul>
 *   <li>Chunk ids match {@link #ID}; anything else is an {@link IllegalArgumentException}.</li>
 *   <li>{@link #put} stores the buffer's remaining bytes (at most {@link #MAX_CHUNK_BYTES}) as one
 *       unit: a concurrent reader sees the chunk absent or complete, never partial. Once it returns, the
 *       chunk survives a crash (kill -9) of the process. Putting the same id with the same bytes
 *       again is a no-op. The store does not keep a reference to the buffer: the caller may reuse it
 *       once put returns. Chunks are bounded, so a put takes one buffer; a blob of any size is
 *       streamed as a sequence of chunks by the caller (the gateway's {@code ChunkedBody}).</li>
 *   <li>{@link #read} with an offset or length outside the chunk is an IllegalArgumentException;
 *       a missing chunk is a {@link ChunkNotFoundException}.</li>
 *   <li>{@link #readInto} is {@link #read} into a buffer the caller owns (heap or direct), with the
 *       same range and missing-chunk rules; it fills exactly the buffer's remaining bytes and
 *       advances its position, and on failure leaves the position where it was. The store keeps no
 *       reference to the buffer. It exists for the pull path: a backend that can copy straight into
 *       a direct buffer (RocksDB) saves a heap copy per segment and the socket write copies nothing.</li>
 *   <li>{@link #size} is the stat: the chunk's length, or -1 when absent.</li>
 *   <li>{@link #delete} of a missing chunk returns false; of concurrent deletes of one chunk, exactly
 *       one returns true.</li>
 *   <li>{@link #list} walks every chunk id in ascending (ASCII) order, for scrub and GC.</li>
 *   <li>Implementations are thread-safe.</li>
 * </ul>
 */
public interface ChunkStore extends AutoCloseable {
    Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,160}");
    /** Largest chunk any implementation must accept. */
    int MAX_CHUNK_BYTES = 64 << 20;

    void put(String id, ByteBuffer data);

    /** Returns {@code length} bytes of the chunk starting at {@code offset}. */
    byte[] read(String id, long offset, int length);

    /**
     * Copies {@code dst.remaining()} bytes of the chunk starting at {@code offset} into {@code dst}
     * and advances its position by that much. The default goes through {@link #read}; backends that
     * can fill the buffer with fewer copies override it.
     */
    default void readInto(String id, long offset, ByteBuffer dst) {
        checkDestination(dst);
        dst.put(read(id, offset, dst.remaining()));
    }

    /** The chunk's size in bytes, or -1 when absent. */
    long size(String id);

    boolean delete(String id);

    /** Visits chunk ids in ascending order after {@code startAfter} (null: from the first). */
    void list(String startAfter, java.util.function.Predicate<String> visitor);

    @Override
    void close();

    /**
     * A new id for an upload chunk: {@code c-<epoch millis, hex>-<random>}. The time lets garbage
     * collection tell a chunk still being written (young) from one orphaned by a crash.
     */
    static String newUploadChunkId(long nowMillis) {
        return "c-" + Long.toHexString(nowMillis) + "-" + java.util.UUID.randomUUID().toString().replace("-", "");
    }

    static String checkId(String id) {
        if (id == null || !ID.matcher(id).matches()) throw new IllegalArgumentException("invalid chunk id: " + id);
        return id;
    }

    /** Validates the arguments of {@link #put}: a valid id and at most {@link #MAX_CHUNK_BYTES} remaining bytes. */
    static void checkPut(String id, ByteBuffer data) {
        checkId(id);
        if (data == null) throw new IllegalArgumentException("chunk data is null");
        if (data.remaining() > MAX_CHUNK_BYTES) {
            throw new IllegalArgumentException("chunk of " + data.remaining() + " bytes is larger than " + MAX_CHUNK_BYTES + " bytes");
        }
    }

    /** Validates the destination of {@link #readInto}: present and writable. */
    static void checkDestination(ByteBuffer dst) {
        if (dst == null) throw new IllegalArgumentException("destination buffer is null");
        if (dst.isReadOnly()) throw new IllegalArgumentException("destination buffer is read-only");
    }

    /** Validates a {@link #read} range against a chunk of {@code size} bytes (no overflow for any long/int). */
    static void checkRange(long offset, int length, long size) {
        if (offset < 0 || length < 0 || offset > size - length) {
            throw new IllegalArgumentException("range " + offset + "+" + length + " outside chunk of " + size + " bytes");
        }
    }

    final class ChunkNotFoundException extends RuntimeException {
        public ChunkNotFoundException(String id) { super("chunk not found: " + id); }
    }
}
