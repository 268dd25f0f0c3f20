package dev.strata.bench;

import dev.strata.core.spi.ChunkStore;
import dev.strata.core.spi.MemoryChunkStore;
import dev.strata.storage.FileChunkStore;
import dev.strata.storage.HttpChunkStore;
import dev.strata.storage.PlacedChunkStore;
import dev.strata.storage.RadosChunkStore;
import dev.strata.storage.RadosConfig;
import dev.strata.storage.RocksChunkStore;
import dev.strata.storage.StorageNodeServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Chunk put and read per {@link ChunkStore} backend, one chunk per operation (ops/s x chunk size =
 * bytes/s). Backends: memory (the reference), rocksdb (local BlobDB), files (one file per chunk), http (a storage node over
 * loopback, RocksDB behind it), placed (rendezvous placement over two HTTP nodes, R=2, W=2) and
 * rados (needs STRATA_CEPH_CONF naming a running cluster, e.g. from deploy/ceph/start.sh; not in
 * the default parameter set: add {@code -p backend=rados}). Puts cycle over 32 ids, and the id a put
 * is about to write is deleted before the invocation (outside the measured time): the data set stays
 * bounded while every put really writes, also on a store where a put of an existing id is a no-op.
 * Also not in the default set, the cost of the fsync switch:
 * {@code -p backend=rocksdb,rocksdb-fsync,files,files-fsync}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class ChunkStoreBench {
    @Param({"memory", "rocksdb", "files", "http", "placed"})
    public String backend;

    @Param({"4194304"})
    public int chunkBytes;

    private static final int IDS = 32;
    private final List<AutoCloseable> open = new ArrayList<>();
    private Path dir;
    private ChunkStore store;
    private byte[] data;
    private int next;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        dir = Files.createTempDirectory("strata-chunk-bench");
        store = switch (backend) {
            case "memory" -> new MemoryChunkStore();
            case "rocksdb" -> new RocksChunkStore(dir.resolve("rocks"));
            case "rocksdb-fsync" -> new RocksChunkStore(dir.resolve("rocks"), true);
            case "files" -> new FileChunkStore(dir.resolve("files"));
            case "files-fsync" -> new FileChunkStore(dir.resolve("files"), true);
            case "http" -> node("n1");
            case "placed" -> new PlacedChunkStore(List.of(new PlacedChunkStore.Node("n1", node("n1")),
                    new PlacedChunkStore.Node("n2", node("n2"))), 2, 2);
            case "rados" -> {
                String conf = System.getenv("STRATA_CEPH_CONF");
                if (conf == null || conf.isBlank()) throw new IllegalStateException("backend=rados needs STRATA_CEPH_CONF (a running cluster's ceph.conf)");
                yield new RadosChunkStore(RadosConfig.of(Path.of(conf), null, "bench-" + System.nanoTime()));
            }
            default -> throw new IllegalArgumentException("unknown backend " + backend);
        };
        data = new byte[chunkBytes];
        new Random(7).nextBytes(data);
        for (int i = 0; i < IDS; i++) store.put(id(i), ByteBuffer.wrap(data));
    }

    private ChunkStore node(String id) throws IOException {
        RocksChunkStore rocks = new RocksChunkStore(dir.resolve(id));
        StorageNodeServer server = new StorageNodeServer(rocks, id, new InetSocketAddress("127.0.0.1", 0), 8);
        open.add(0, rocks);
        open.add(0, server::close);
        HttpChunkStore http = new HttpChunkStore("http://127.0.0.1:" + server.port(), Duration.ofSeconds(30));
        open.add(0, http);
        return http;
    }

    private static String id(int i) {
        return "bench-" + i;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        for (int i = 0; i < IDS; i++) store.delete(id(i));
        store.close();
        for (AutoCloseable c : open) c.close();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Heap-buffer put (what the gateway's ChunkedBody does). */
    @Benchmark
    public void put(FreeId slot) {
        store.put(slot.id, ByteBuffer.wrap(data));
    }

    /** Direct-buffer put (no JNI copy of a heap array on RocksDB; the HTTP and RADOS clients copy it). */
    @Benchmark
    public void putDirect(FreeId slot, DirectBuffer b) {
        store.put(slot.id, b.filled.duplicate());
    }

    /** The id the next put writes, deleted before the invocation so that the put writes it anew. */
    @State(Scope.Thread)
    public static class FreeId {
        String id;

        @Setup(Level.Invocation)
        public void free(ChunkStoreBench bench) {
            id = id(bench.next++ % IDS);
            bench.store.delete(id);
        }
    }

    /** read into a fresh heap array. */
    @Benchmark
    public byte[] readHeap() {
        return store.read(id(next++ % IDS), 0, chunkBytes);
    }

    /** readInto a reused direct buffer (the pull path). */
    @Benchmark
    public ByteBuffer readIntoDirect(DirectBuffer b) {
        b.buf.clear();
        store.readInto(id(next++ % IDS), 0, b.buf);
        return b.buf;
    }

    /**
     * The stat an upload commit makes per chunk (its check that every chunk is still there): it must
     * not cost a read of the chunk, so its rate should not fall with {@code chunkBytes}.
     */
    @Benchmark
    public long size() {
        return store.size(id(next++ % IDS));
    }

    @State(Scope.Thread)
    public static class DirectBuffer {
        ByteBuffer buf;
        ByteBuffer filled;

        @Setup
        public void setup(ChunkStoreBench bench) {
            buf = ByteBuffer.allocateDirect(bench.chunkBytes);
            filled = ByteBuffer.allocateDirect(bench.chunkBytes).put(bench.data).flip();
        }
    }
}
