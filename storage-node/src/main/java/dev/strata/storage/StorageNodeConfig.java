package dev.strata.storage;

import dev.strata.core.config.YamlConfig;
import dev.strata.core.spi.ChunkStore;
import java.nio.file.Path;

/**
 * Settings of {@code strata storage-node --config FILE}: a YAML file with these keys (unknown keys
 * are rejected; relative paths are resolved against the file's directory):
 *
 * <pre>
 * listen: 127.0.0.1:7000      # HOST:PORT of the chunk API (port 0 picks a free one); default 127.0.0.1:7000
 * storage: rocksdb            # rocksdb (default), files (one file per chunk) or rados
 * data: /var/lib/strata-node  # rocksdb, files: the chunk directory (required)
 * nodeId: node-a              # default for rocksdb: a random id kept in DATA/node-id; required for rados
 * cephConf: /etc/ceph/ceph.conf   # rados: required
 * cephPool: strata            # rados: default strata
 * cephNamespace: ""           # rados: default none
 * fsync: false                # rocksdb, files: true acknowledges a put only once it is on stable storage
 *                             #   (synced WAL, or fdatasync + directory fsync); default false; rejected with rados
 * threads: 16                 # request worker threads, 1..256; default 16
 * tls:                        # optional: serve HTTPS (see {@link dev.strata.core.rpc.InternalTls})
 *   cert: node.crt            #   certificate chain, PEM
 *   key: node.key             #   its private key, PEM
 * </pre>
 */
public record StorageNodeConfig(String listen, String storage, Path data, String nodeId, Path cephConf, String cephPool,
                                String cephNamespace, Boolean fsync, Integer threads, dev.strata.core.rpc.InternalTls tls) {
    public StorageNodeConfig {
        if (listen == null) listen = "127.0.0.1:7000";
        hostAndPort(listen);
        if (storage == null) storage = "rocksdb";
        if (tls != null && tls.ca() != null) throw new IllegalArgumentException("tls.ca: a storage node calls no other service; set tls.cert and tls.key only");
        if (fsync == null) fsync = false;
        if (threads == null) threads = 16;
        if (threads < 1 || threads > 256) throw new IllegalArgumentException("threads must be 1..256, got " + threads);
        if (nodeId != null && !ChunkStore.ID.matcher(nodeId).matches()) throw new IllegalArgumentException("nodeId must match " + ChunkStore.ID + ", got " + nodeId);
        switch (storage) {
            case "rocksdb", "files" -> {
                if (data == null) throw new IllegalArgumentException("data (the chunk directory) is required with storage: " + storage);
                if (cephConf != null || cephPool != null || cephNamespace != null) throw new IllegalArgumentException("cephConf, cephPool and cephNamespace need storage: rados");
            }
            case "rados" -> {
                if (nodeId == null) throw new IllegalArgumentException("nodeId is required with storage: rados (the node keeps no state)");
                if (fsync) throw new IllegalArgumentException("fsync applies to storage: rocksdb and files; with rados the OSDs acknowledge a write"
                        + " once the pool's replicas have it on disk, so durability is the pool's (size, min_size): remove fsync");
                rados(cephConf, cephPool, cephNamespace); // validates
            }
            default -> throw new IllegalArgumentException("storage must be rocksdb, files or rados, got " + storage);
        }
    }

    private static RadosConfig rados(Path conf, String pool, String namespace) {
        return RadosConfig.of(conf, pool, namespace == null ? "" : namespace);
    }

    /** The RADOS settings (storage: rados only). */
    public RadosConfig rados() {
        return rados(cephConf, cephPool, cephNamespace);
    }

    public String host() {
        return hostAndPort(listen)[0];
    }

    public int port() {
        return Integer.parseInt(hostAndPort(listen)[1]);
    }

    private static String[] hostAndPort(String listen) {
        int colon = listen.lastIndexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("listen must be HOST:PORT, got " + listen);
        String port = listen.substring(colon + 1);
        if (!port.matches("\\d{1,5}") || Integer.parseInt(port) > 65535) throw new IllegalArgumentException("listen port must be 0..65535, got " + listen);
        return new String[] {listen.substring(0, colon), port};
    }

    /** Reads a YAML config file, applies environment overrides and validates (see {@link YamlConfig}). */
    public static StorageNodeConfig load(Path file) {
        return YamlConfig.load(file, StorageNodeConfig.class, java.util.Set.of("data", "cephConf", "tls.cert", "tls.key", "tls.ca"));
    }
}
