package dev.strata.cli.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.cli.ServeConfig;
import dev.strata.cli.SingleNode;
import dev.strata.gc.GcConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real single-node registry of one test class's own, for tests that need GC settings of their
 * own or a registry no other test touches (GC passes, quotas): embedded Kafka (2 partitions),
 * RocksDB, every service and the gateway on a free port, data in a fresh directory under target/.
 * Start it in {@code @BeforeAll}, close it in {@code @AfterAll}.
 */
final class PrivateNode implements AutoCloseable {
    final SingleNode node;
    final Api api;
    /** The node's data directory ({@code serve --data}). */
    final Path dir;

    private PrivateNode(SingleNode node, Path dir) {
        this.node = node;
        this.dir = dir;
        this.api = new Api("http://127.0.0.1:" + node.port());
    }

    /** Starts a node with {@code gc} under a new directory {@code target/<name>-*}. */
    static PrivateNode start(String name, GcConfig gc) throws IOException {
        Path dir = Files.createTempDirectory(Path.of("target"), name + "-").toAbsolutePath();
        return new PrivateNode(SingleNode.start(new ServeConfig("127.0.0.1", 0, dir, 2), gc), dir);
    }

    /** A GC pass through the API (see {@link Api#gc}). */
    JsonNode gc(boolean dryRun) {
        return api.gc(dryRun);
    }

    @Override
    public void close() {
        node.close();
    }
}
