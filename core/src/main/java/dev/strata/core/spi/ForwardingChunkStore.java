package dev.strata.core.spi;

import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.events.Event.Placement;
import java.nio.ByteBuffer;
import java.util.function.Predicate;

/** A {@link ChunkStore} that passes every call to another: the base of the decorators. */
public abstract class ForwardingChunkStore implements ChunkStore {
    protected final ChunkStore inner;

    protected ForwardingChunkStore(ChunkStore inner) {
        this.inner = java.util.Objects.requireNonNull(inner, "inner");
    }

    /** The decorated store. */
    public ChunkStore inner() { return inner; }

    @Override
    public void put(String id, ByteBuffer data) { inner.put(id, data); }

    @Override
    public byte[] read(String id, long offset, int length) { return inner.read(id, offset, length); }

    @Override
    public byte[] read(ChunkRef chunk, long offset, int length) { return inner.read(chunk, offset, length); }

    @Override
    public void readInto(String id, long offset, ByteBuffer dst) { inner.readInto(id, offset, dst); }

    @Override
    public void readInto(ChunkRef chunk, long offset, ByteBuffer dst) { inner.readInto(chunk, offset, dst); }

    @Override
    public long size(String id) { return inner.size(id); }

    @Override
    public boolean delete(String id) { return inner.delete(id); }

    @Override
    public void list(String startAfter, Predicate<String> visitor) { inner.list(startAfter, visitor); }

    @Override
    public Placement placement() { return inner.placement(); }

    @Override
    public ChunkCheck check(ChunkRef chunk, boolean repair) { return inner.check(chunk, repair); }

    @Override
    public void close() { inner.close(); }

    @Override
    public String toString() { return getClass().getSimpleName() + "(" + inner + ")"; }
}
