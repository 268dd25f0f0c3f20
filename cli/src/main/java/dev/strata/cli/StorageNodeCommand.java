package dev.strata.cli;

import dev.strata.storage.StorageNode;
import dev.strata.storage.StorageNodeConfig;
import java.nio.file.Path;

/** {@code strata storage-node --config FILE}: one storage node (RocksDB or RADOS) serving the HTTP chunk API. */
final class StorageNodeCommand {
    static final String USAGE = """
            usage: strata storage-node --config FILE
              storage-node  run one storage node: the HTTP chunk API over RocksDB or a Ceph RADOS pool
                            --config  YAML settings (listen, storage, data, nodeId, cephConf, cephPool,
                                      cephNamespace, threads; see docs/configuration.md)
            """;

    private StorageNodeCommand() {}

    /** The config file named by {@code --config FILE} or {@code --config=FILE}. */
    static Path configFile(String[] args) {
        if (args.length == 2 && args[0].equals("--config")) return Path.of(args[1]);
        if (args.length == 1 && args[0].startsWith("--config=")) return Path.of(args[0].substring("--config=".length()));
        throw new IllegalArgumentException("expected --config FILE");
    }

    static void run(String[] args) throws InterruptedException {
        StorageNodeConfig config;
        try {
            config = StorageNodeConfig.load(configFile(args));
        } catch (IllegalArgumentException e) {
            System.err.println("strata storage-node: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        StorageNode node;
        try {
            node = StorageNode.start(config);
        } catch (Exception e) {
            System.err.println("strata storage-node: cannot start: " + e.getMessage());
            System.exit(1);
            return;
        }
        Main.runUntilStopped("strata storage-node", node, "strata storage-node ready: node " + node.nodeId() + " serving chunks on http://"
                + config.host() + ":" + node.port() + "/chunks ("
                + (config.storage().equals("rados") ? "Ceph pool " + config.rados().pool() : "RocksDB in " + config.data()) + ")");
    }
}
