package dev.strata.cli.api;

import dev.strata.cli.ServeConfig;
import dev.strata.cli.SingleNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One real single-node registry (with {@code -Dstrata.test.wiring=http}, its gateway reaches the
 * services through their internal HTTP APIs, as in the multi-process cluster) (embedded Kafka, RocksDB, every service, the gateway on a free
 * port) shared by the API tests of this JVM. Tests use distinct repository names.
 */
final class TestRegistry {
    private static SingleNode node;
    private static Api api;

    private TestRegistry() {}

    static synchronized Api api() {
        if (api == null) {
            try {
                Path dir = Files.createTempDirectory(Path.of("target"), "api-registry-");
                // strata.test.wiring=http: the gateway calls the services over their internal HTTP APIs
                boolean http = "http".equals(System.getProperty("strata.test.wiring"));
                node = SingleNode.start(new ServeConfig("127.0.0.1", 0, dir.toAbsolutePath(), 4), dev.strata.gc.GcConfig.defaults(), http);
                Runtime.getRuntime().addShutdownHook(new Thread(node::close));
                api = new Api("http://127.0.0.1:" + node.port());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return api;
    }

    static synchronized SingleNode node() {
        api();
        return node;
    }
}
