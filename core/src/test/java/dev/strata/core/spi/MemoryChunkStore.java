package dev.strata.core.spi;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Predicate;

/** In-memory {@link ChunkStore}, the reference implementation for tests. */
public final class MemoryChunkStore implements ChunkStore {
    private final ConcurrentSkipListMap<String, byte[]> chunks = new ConcurrentSkipListMap<>();

    @Override
    public void put(String id, ByteBuffer data) {
        byte[] b = new byte[data.remaining()];
        data.duplicate().get(b);
        chunks.put(id, b);
    }

    @Override
    public byte[] read(String id, long offset, int length) {
        byte[] b = chunks.get(id);
        if (b == null) throw new ChunkNotFoundException(id);
        ChunkStore.checkRange(offset, length, b.length);
        return Arrays.copyOfRange(b, (int) offset, (int) offset + length);
    }

    @Override
    public void readInto(String id, long offset, ByteBuffer dst) {
        ChunkStore.checkId(id);
        ChunkStore.checkDestination(dst);
        byte[] b = chunks.get(id);
        if (b == null) throw new ChunkNotFoundException(id);
        ChunkStore.checkRange(offset, dst.remaining(), b.length);
        dst.put(b, (int) offset, dst.remaining());
    }

    @Override
    public long size(String id) {
        byte[] b = chunks.get(id);
        return b == null ? -1 : b.length;
    }

    @Override
    public boolean delete(String id) {
        return chunks.remove(id) != null;
    }

    @Override
    public void list(String startAfter, Predicate<String> visitor) {
        var tail = startAfter == null ? chunks.navigableKeySet() : chunks.navigableKeySet().tailSet(startAfter, false);
        for (String id : tail) if (!visitor.test(id)) return;
    }

    @Override
    public void close() {}
}
