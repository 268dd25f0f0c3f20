package dev.strata.storage;

import dev.strata.core.metrics.Health;
import dev.strata.core.metrics.Metrics;
import dev.strata.core.spi.ChunkStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * One storage node process ({@code strata storage-node --config FILE}): its chunk store (RocksDB,
 * one file per chunk, or RADOS) behind the HTTP chunk API. Closing stops the server, then closes the store.
 */
public final class StorageNode implements AutoCloseable {
    private final ChunkStore store;
    private final StorageNodeServer server;

    private StorageNode(ChunkStore store, StorageNodeServer server) {
        this.store = store;
        this.server = server;
    }

    public static StorageNode start(StorageNodeConfig c) throws IOException {
        ChunkStore store;
        String nodeId;
        if (c.storage().equals("rados")) {
            store = new RadosChunkStore(c.rados());
            nodeId = c.nodeId();
        } else {
            Files.createDirectories(c.data());
            nodeId = c.nodeId() != null ? c.nodeId() : persistentNodeId(c.data());
            store = c.storage().equals("files") ? new FileChunkStore(c.data().resolve("files"), c.fsync())
                    : new RocksChunkStore(c.data().resolve("chunks"), c.fsync());
        }
        store = dev.strata.core.spi.ChunkStores.decorate(store);
        Metrics metrics = new Metrics();
        dev.strata.core.metrics.JvmMetrics.register(metrics);
        StorageMetrics.export(metrics, store);
        if (c.storage().equals("rocksdb")) {
            Path dir = c.data().resolve("chunks");
            metrics.gauge("strata_storage_node_disk_bytes", "Bytes of the node's RocksDB files on disk (chunks, write-ahead log, blob files)",
                    () -> directoryBytes(dir));
        }
        try {
            return new StorageNode(store, new StorageNodeServer(store, nodeId, new InetSocketAddress(c.host(), c.port()), c.threads(),
                    metrics, new Health(), c.tls() == null ? null : c.tls().server()));
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** Sum of the sizes of the regular files under {@code dir} (files vanishing meanwhile count 0). */
    static long directoryBytes(Path dir) {
        try (var files = Files.walk(dir)) {
            return files.mapToLong(f -> {
                try {
                    return Files.isRegularFile(f) ? Files.size(f) : 0;
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    /** DATA/node-id, created with a random id on first start. */
    static String persistentNodeId(Path data) {
        Path file = data.resolve("node-id");
        try {
            if (Files.exists(file)) {
                String id = Files.readString(file, StandardCharsets.US_ASCII).trim();
                return ChunkStore.checkId(id);
            }
            String id = "node-" + UUID.randomUUID();
            Path tmp = data.resolve("node-id.tmp");
            Files.writeString(tmp, id + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write " + file, e);
        }
    }

    public int port() {
        return server.port();
    }

    public String nodeId() {
        return server.nodeId();
    }

    public ChunkStore store() {
        return store;
    }

    @Override
    public void close() {
        try {
            server.close();
        } finally {
            store.close();
        }
    }
}
