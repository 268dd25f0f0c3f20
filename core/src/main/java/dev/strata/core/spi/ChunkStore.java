package dev.strata.core.spi;

import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.events.Event.Placement;
import java.nio.ByteBuffer;
import java.util.List;
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
 *   <li>Arguments (ids, put sizes, negative offsets and lengths) are validated once, by
 *       {@link ValidatingChunkStore}, which every wiring puts in front of a backend
 *       ({@link ChunkStores#decorate}); a backend checks only what needs its data (a range past the
 *       chunk's end).</li>
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
     * The topology new chunks are written under, recorded in each chunk's {@link ChunkRef} so that
     * reads find it after the topology changes. Null (the default) for a store with one location.
     */
    default Placement placement() {
        return null;
    }

    /**
     * Reads part of a chunk through the placement it was written under (its {@link ChunkRef}); the
     * default ignores the placement. Same contract as {@link #read(String, long, int)}.
     */
    default byte[] read(ChunkRef chunk, long offset, int length) {
        return read(chunk.id(), offset, length);
    }

    /** {@link #readInto(String, long, ByteBuffer)} through the placement the chunk was written under. */
    default void readInto(ChunkRef chunk, long offset, ByteBuffer dst) {
        readInto(chunk.id(), offset, dst);
    }

    /**
     * Checks the stored copies of a committed chunk: present, of the recorded length, and, when the
     * ref carries a CRC32C, with the right checksum. With {@code repair}, a store that keeps several
     * copies rewrites missing or corrupt ones from a good one. The default (one location) reads the
     * chunk once and cannot repair. Never throws for a missing or corrupt chunk: that is the result.
     */
    default ChunkCheck check(ChunkRef chunk, boolean repair) {
        String copy = "store";
        try {
            long size = size(chunk.id());
            if (size < 0) return new ChunkCheck(chunk.id(), 0, 1, 0, List.of(copy + ": missing"));
            String bad = verify(chunk, size, offset -> read(chunk.id(), offset, (int) Math.min(CHECK_SEGMENT, size - offset)));
            return bad == null ? new ChunkCheck(chunk.id(), 1, 1, 0, List.of())
                    : new ChunkCheck(chunk.id(), 0, 1, 0, List.of(copy + ": " + bad));
        } catch (RuntimeException e) {
            return new ChunkCheck(chunk.id(), 0, 1, 0, List.of(copy + ": " + e.getMessage()));
        }
    }

    /** Bytes read at once while checking a copy. */
    int CHECK_SEGMENT = 4 << 20;

    /**
     * Compares a copy of {@code size} bytes, read segment by segment through {@code reader}, with the
     * ref's length and CRC32C: null when it matches, else what is wrong.
     */
    static String verify(ChunkRef chunk, long size, java.util.function.LongFunction<byte[]> reader) {
        if (size != chunk.length()) return "size " + size + ", expected " + chunk.length();
        if (chunk.crc32c() == null) return null;
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        for (long o = 0; o < size; ) {
            byte[] b = reader.apply(o);
            if (b.length == 0) return "short read at " + o;
            crc.update(b);
            o += b.length;
        }
        return crc.getValue() == chunk.crc32c() ? null
                : "CRC32C " + Long.toHexString(crc.getValue()) + ", expected " + Long.toHexString(chunk.crc32c());
    }

    /** CRC32C of a buffer's remaining bytes (the position is left unchanged). */
    static long crc32c(ByteBuffer data) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(data.duplicate());
        return crc.getValue();
    }

    /**
     * The outcome of {@link #check}: {@code good} verified copies before repair, {@code required}
     * copies wanted, {@code repaired} copies written, and one line per problem found.
     */
    record ChunkCheck(String id, int good, int required, int repaired, List<String> problems) {
        public ChunkCheck {
            problems = List.copyOf(problems);
        }

        /** The chunk has its required copies now (after any repair). */
        public boolean ok() {
            return good + repaired >= required;
        }
    }

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
