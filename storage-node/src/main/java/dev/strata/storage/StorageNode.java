package dev.strata.storage;

import dev.strata.core.spi.ChunkStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * One storage node process ({@code strata storage-node --config FILE}): its chunk store (RocksDB
 * or RADOS) behind the HTTP chunk API. Closing stops the server, then closes the store.
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
            store = new RocksChunkStore(c.data().resolve("chunks"));
        }
        store = dev.strata.core.spi.ChunkStores.decorate(store);
        try {
            return new StorageNode(store, new StorageNodeServer(store, nodeId, new InetSocketAddress(c.host(), c.port()), c.threads()));
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
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
