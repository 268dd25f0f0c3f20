package dev.strata.core.spi;

import dev.strata.core.events.Event.ChunkRef;
import java.nio.ByteBuffer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Counts calls, errors, bytes and latency of every operation of the store it wraps ({@link ChunkStoreMetrics}). */
public final class MeteredChunkStore extends ForwardingChunkStore implements ChunkStoreMetrics {
    /** Successful and failed calls apart, so that each only grows (a scrape never sees "ok" shrink). */
    private record Counters(LongAdder ok, LongAdder errors, LongAdder nanos, AtomicLong max) {}

    private final Map<Op, Counters> counters = new EnumMap<>(Op.class);
    private final LongAdder written = new LongAdder();
    private final LongAdder read = new LongAdder();

    public MeteredChunkStore(ChunkStore inner) {
        super(inner);
        for (Op op : Op.values()) counters.put(op, new Counters(new LongAdder(), new LongAdder(), new LongAdder(), new AtomicLong()));
    }

    private <T> T timed(Op op, Supplier<T> call) {
        Counters c = counters.get(op);
        long start = System.nanoTime();
        boolean ok = false;
        try {
            T result = call.get();
            ok = true;
            return result;
        } finally {
            long took = System.nanoTime() - start;
            (ok ? c.ok() : c.errors()).increment();
            c.nanos().add(took);
            c.max().accumulateAndGet(took, Math::max);
        }
    }

    @Override
    public void put(String id, ByteBuffer data) {
        int n = data == null ? 0 : data.remaining();
        timed(Op.PUT, () -> {
            inner.put(id, data);
            return null;
        });
        written.add(n);
    }

    @Override
    public byte[] read(String id, long offset, int length) {
        byte[] b = timed(Op.READ, () -> inner.read(id, offset, length));
        read.add(b.length);
        return b;
    }

    @Override
    public byte[] read(ChunkRef chunk, long offset, int length) {
        byte[] b = timed(Op.READ, () -> inner.read(chunk, offset, length));
        read.add(b.length);
        return b;
    }

    @Override
    public void readInto(String id, long offset, ByteBuffer dst) {
        int n = dst == null ? 0 : dst.remaining();
        timed(Op.READ, () -> {
            inner.readInto(id, offset, dst);
            return null;
        });
        read.add(n);
    }

    @Override
    public void readInto(ChunkRef chunk, long offset, ByteBuffer dst) {
        int n = dst == null ? 0 : dst.remaining();
        timed(Op.READ, () -> {
            inner.readInto(chunk, offset, dst);
            return null;
        });
        read.add(n);
    }

    @Override
    public long size(String id) {
        return timed(Op.SIZE, () -> inner.size(id));
    }

    @Override
    public boolean delete(String id) {
        return timed(Op.DELETE, () -> inner.delete(id));
    }

    @Override
    public void list(String startAfter, Predicate<String> visitor) {
        timed(Op.LIST, () -> {
            inner.list(startAfter, visitor);
            return null;
        });
    }

    @Override
    public ChunkCheck check(ChunkRef chunk, boolean repair) {
        return timed(Op.CHECK, () -> inner.check(chunk, repair));
    }

    @Override
    public long ok(Op op) { return counters.get(op).ok().sum(); }

    @Override
    public long errors(Op op) { return counters.get(op).errors().sum(); }

    @Override
    public long nanos(Op op) { return counters.get(op).nanos().sum(); }

    @Override
    public long maxNanos(Op op) { return counters.get(op).max().get(); }

    @Override
    public long bytesWritten() { return written.sum(); }

    @Override
    public long bytesRead() { return read.sum(); }
}
