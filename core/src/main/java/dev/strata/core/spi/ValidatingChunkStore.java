package dev.strata.core.spi;

import dev.strata.core.events.Event.ChunkRef;
import java.nio.ByteBuffer;
import java.util.function.Predicate;

/**
 * Checks the arguments of every call once, before the backend sees them: chunk ids match
 * {@link ChunkStore#ID}, a put holds at most {@link ChunkStore#MAX_CHUNK_BYTES}, read offsets and
 * lengths are non-negative and a read asks for at most one chunk. Bad arguments are an
 * {@link IllegalArgumentException} and reach no backend. A range past the end of a chunk needs the
 * chunk's size, so the backend checks that one ({@link ChunkStore#checkRange}).
 */
public final class ValidatingChunkStore extends ForwardingChunkStore {
    public ValidatingChunkStore(ChunkStore inner) {
        super(inner);
    }

    private static void range(long offset, int length) {
        if (offset < 0 || length < 0 || length > MAX_CHUNK_BYTES || offset > MAX_CHUNK_BYTES) {
            throw new IllegalArgumentException("range " + offset + "+" + length + " outside any chunk (at most " + MAX_CHUNK_BYTES + " bytes)");
        }
    }

    @Override
    public void put(String id, ByteBuffer data) {
        ChunkStore.checkPut(id, data);
        inner.put(id, data);
    }

    @Override
    public byte[] read(String id, long offset, int length) {
        ChunkStore.checkId(id);
        range(offset, length);
        return inner.read(id, offset, length);
    }

    @Override
    public byte[] read(ChunkRef chunk, long offset, int length) {
        if (chunk == null) throw new IllegalArgumentException("chunk ref is null");
        ChunkStore.checkId(chunk.id());
        range(offset, length);
        return inner.read(chunk, offset, length);
    }

    @Override
    public void readInto(String id, long offset, ByteBuffer dst) {
        ChunkStore.checkId(id);
        ChunkStore.checkDestination(dst);
        range(offset, dst.remaining());
        inner.readInto(id, offset, dst);
    }

    @Override
    public void readInto(ChunkRef chunk, long offset, ByteBuffer dst) {
        if (chunk == null) throw new IllegalArgumentException("chunk ref is null");
        ChunkStore.checkId(chunk.id());
        ChunkStore.checkDestination(dst);
        range(offset, dst.remaining());
        inner.readInto(chunk, offset, dst);
    }

    @Override
    public long size(String id) {
        return inner.size(ChunkStore.checkId(id));
    }

    @Override
    public boolean delete(String id) {
        return inner.delete(ChunkStore.checkId(id));
    }

    @Override
    public void list(String startAfter, Predicate<String> visitor) {
        if (startAfter != null && startAfter.length() > 160) throw new IllegalArgumentException("startAfter longer than a chunk id");
        if (visitor == null) throw new IllegalArgumentException("visitor is null");
        inner.list(startAfter, visitor);
    }

    @Override
    public ChunkCheck check(ChunkRef chunk, boolean repair) {
        if (chunk == null) throw new IllegalArgumentException("chunk ref is null");
        ChunkStore.checkId(chunk.id());
        if (chunk.length() < 0 || chunk.length() > MAX_CHUNK_BYTES) throw new IllegalArgumentException("chunk length " + chunk.length() + " out of range");
        return inner.check(chunk, repair);
    }
}
