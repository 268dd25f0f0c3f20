package dev.strata.bench;

import dev.strata.core.events.Event;
import dev.strata.core.events.Event.BlobCommitted;
import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.events.Event.UploadChunksAppended;
import dev.strata.core.events.EventCodec;
import dev.strata.core.spi.ChunkStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Event serde (EventCodec, Jackson): the events of a push, with the chunk list of a blob of N 4 MiB
 * chunks (64 chunks = a 256 MiB layer).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class EventSerdeBench {
    @Param({"1", "64"})
    public int chunks;

    private Event committed;
    private Event appended;
    private byte[] committedBytes;
    private String committedType;

    @Setup
    public void setup() {
        List<ChunkRef> refs = new ArrayList<>();
        for (int i = 0; i < chunks; i++) refs.add(new ChunkRef(ChunkStore.newUploadChunkId(1_764_000_000_000L + i), 4L << 20));
        String digest = "sha256:" + "ab".repeat(32);
        committed = new BlobCommitted(digest, chunks * (4L << 20), refs, "u-0123456789abcdef", 1_764_000_000_000L);
        appended = new UploadChunksAppended("u-0123456789abcdef", 0, refs, 1_764_000_000_000L);
        committedBytes = EventCodec.encode(committed);
        committedType = EventCodec.typeName(committed);
        if (!committed.equals(EventCodec.decode(committedType, EventCodec.VERSION, committedBytes))) {
            throw new IllegalStateException("BlobCommitted does not round-trip");
        }
    }

    @Benchmark
    public byte[] encodeBlobCommitted() {
        return EventCodec.encode(committed);
    }

    @Benchmark
    public byte[] encodeChunksAppended() {
        return EventCodec.encode(appended);
    }

    @Benchmark
    public Event decodeBlobCommitted() {
        return EventCodec.decode(committedType, EventCodec.VERSION, committedBytes);
    }
}
