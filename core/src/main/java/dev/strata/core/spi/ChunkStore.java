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
 *   <li>{@link #put} stores the buffer's remaining bytes; once it returns, the chunk survives a crash
 *       (kill -9) of the process. Putting the same id with the same bytes again is a no-op. The
 *       store does not keep a reference to the buffer: the caller may reuse it once put returns.</li>
 *   <li>{@link #read} with an offset or length outside the chunk is an IllegalArgumentException;
 *       a missing chunk is a {@link ChunkNotFoundException}.</li>
 *   <li>{@link #delete} of a missing chunk returns false.</li>
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

    /** The creation time of an id made by {@link #newUploadChunkId}, or -1 for any other id. */
    static long uploadChunkTime(String id) {
        if (!id.startsWith("c-")) return -1;
        int dash = id.indexOf('-', 2);
        if (dash < 0 || dash - 2 > 12) return -1;
        try {
            return Long.parseLong(id.substring(2, dash), 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static String checkId(String id) {
        if (id == null || !ID.matcher(id).matches()) throw new IllegalArgumentException("invalid chunk id: " + id);
        return id;
    }

    final class ChunkNotFoundException extends RuntimeException {
        public ChunkNotFoundException(String id) { super("chunk not found: " + id); }
    }
}
