package dev.strata.cli;

import dev.strata.gateway.GatewayConfig;
import dev.strata.gateway.GatewayLimits;
import dev.strata.storage.PlacementConfig;
import dev.strata.storage.RadosConfig;
import dev.strata.storage.ScrubConfig;
import dev.strata.core.log.LogConfig;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Settings of {@code strata serve}, validated on construction.
 *
 * @param host       address the gateway listens on (default 127.0.0.1)
 * @param port       port the gateway listens on (default 5000; 0 picks a free one)
 * @param data       data directory: kafka/, storage/ and meta/ live under it (default ./data)
 * @param partitions partitions of each topic when created
 * @param limits     the gateway's limits against hostile clients (--rate-limit, --max-uploads-per-client, ...)
 * @param idleTimeoutSeconds a connection idle this long (also mid-body) is closed (--idle-timeout, default 300)
 * @param auth       the auth file (--auth); null: no auth
 * @param tls        HTTPS certificate and key (--tls-cert, --tls-key); null: plain HTTP
 * @param rados      where chunks go: null for RocksDB under DATA/storage (the default), else a Ceph
 *                   RADOS pool ({@code --storage rados --ceph-conf FILE [--ceph-pool POOL]})
 * @param placement  non-null: chunks go to storage nodes over HTTP, R copies each
 *                   ({@code --storage nodes --storage-nodes ID=URL,... [--replicas R] [--write-quorum W]})
 * @param scrub      the online scrub ({@code --scrub-interval}, {@code --scrub-rate}); null: daily with
 *                   storage nodes, off otherwise
 * @param files      true: chunks as one file each under DATA/files ({@code --storage files}) instead of
 *                   RocksDB
 * @param fsync      true ({@code --fsync}): a write is acknowledged only once it is on stable storage: chunks
 *                   with a synced RocksDB WAL (or fdatasync and directory fsync with files), events flushed
 *                   by the embedded broker after every message. RADOS and storage nodes keep their own
 *                   durability (the pool's; the nodes' {@code fsync} setting); the broker flush applies to all
 * @param kafkaTimeout how long a request waits on the event log before it answers 503 ({@code --kafka-timeout};
 *                   null: {@link LogConfig#DEFAULT_TIMEOUT}); at least 500 ms and shorter than the
 *                   {@link #REQUEST_TIMEOUT}, so the log's 503 is what a client gets
 */
public record ServeConfig(String host, int port, Path data, int partitions, GatewayLimits limits, int idleTimeoutSeconds,
                          Path auth, GatewayConfig.Tls tls, RadosConfig rados, PlacementConfig placement, ScrubConfig scrub,
                          boolean files, boolean fsync, Duration kafkaTimeout) {
    /** How long one request may take inside {@code serve} before it fails. */
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    public ServeConfig {
        if (host == null || host.isBlank()) throw new IllegalArgumentException("--addr: host is empty");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("--addr: port must be 0..65535");
        if (data == null) throw new IllegalArgumentException("--data is required");
        if (partitions < 1 || partitions > 64) throw new IllegalArgumentException("partitions must be 1..64");
        if (limits == null) limits = GatewayLimits.defaults();
        if (idleTimeoutSeconds < 1) throw new IllegalArgumentException("--idle-timeout must be positive");
        if (auth != null && !java.nio.file.Files.isReadable(auth)) throw new IllegalArgumentException("--auth: cannot read " + auth);
        if (rados != null && placement != null) throw new IllegalArgumentException("--storage is either rados or nodes");
        if (files && (rados != null || placement != null)) throw new IllegalArgumentException("--storage is either files, rados or nodes");
        if (kafkaTimeout == null) kafkaTimeout = LogConfig.DEFAULT_TIMEOUT;
        if (kafkaTimeout.toMillis() < 500 || kafkaTimeout.compareTo(REQUEST_TIMEOUT) >= 0) {
            throw new IllegalArgumentException("--kafka-timeout must be at least 500ms and shorter than the " + REQUEST_TIMEOUT.toSeconds()
                    + "s request timeout, got " + kafkaTimeout.toMillis() + " ms");
        }
    }

    /** No auth, plain HTTP, default limits, RocksDB storage under DATA/storage. */
    public ServeConfig(String host, int port, Path data, int partitions) {
        this(host, port, data, partitions, GatewayLimits.defaults(), 300, null, null, null, null, null, false, false, null);
    }

    public ServeConfig withLimits(GatewayLimits l, int idleSeconds) {
        return new ServeConfig(host, port, data, partitions, l, idleSeconds, auth, tls, rados, placement, scrub, files, fsync, kafkaTimeout);
    }

    public ServeConfig withAuth(Path authFile) {
        return new ServeConfig(host, port, data, partitions, limits, idleTimeoutSeconds, authFile, tls, rados, placement, scrub, files, fsync, kafkaTimeout);
    }

    public ServeConfig withTls(GatewayConfig.Tls t) {
        return new ServeConfig(host, port, data, partitions, limits, idleTimeoutSeconds, auth, t, rados, placement, scrub, files, fsync, kafkaTimeout);
    }

    /** The same settings with chunks in RADOS. */
    public ServeConfig withRados(RadosConfig r) {
        return new ServeConfig(host, port, data, partitions, limits, idleTimeoutSeconds, auth, tls, r, null, scrub, false, fsync, kafkaTimeout);
    }

    /** The same settings with chunks on storage nodes. */
    public ServeConfig withPlacement(PlacementConfig p) {
        return new ServeConfig(host, port, data, partitions, limits, idleTimeoutSeconds, auth, tls, null, p, scrub, false, fsync, kafkaTimeout);
    }

    /** The same settings with chunks as files under DATA/files. */
    public ServeConfig withFiles() {
        return new ServeConfig(host, port, data, partitions, limits, idleTimeoutSeconds, auth, tls, null, null, scrub, true, fsync, kafkaTimeout);
    }

    /** The same settings with this online scrub. */
    public ServeConfig withScrub(ScrubConfig s) {
        return new ServeConfig(host, port, data, partitions, limits, idleTimeoutSeconds, auth, tls, rados, placement, s, files, fsync, kafkaTimeout);
    }

    /** The same settings with writes acknowledged only once on stable storage ({@code --fsync}). */
    public ServeConfig withFsync(boolean on) {
        return new ServeConfig(host, port, data, partitions, limits, idleTimeoutSeconds, auth, tls, rados, placement, scrub, files, on, kafkaTimeout);
    }

    /** The same settings with this bound on waits on the event log ({@code --kafka-timeout}). */
    public ServeConfig withKafkaTimeout(Duration t) {
        return new ServeConfig(host, port, data, partitions, limits, idleTimeoutSeconds, auth, tls, rados, placement, scrub, files, fsync, t);
    }

    /** Parses {@code HOST:PORT} (IPv6 as [::1]:PORT). */
    public static ServeConfig of(String addr, Path data) {
        int colon = addr.lastIndexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("--addr must be HOST:PORT, got " + addr);
        String host = addr.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port;
        try {
            port = Integer.parseInt(addr.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--addr port must be a number, got " + addr);
        }
        return new ServeConfig(host, port, data, 4);
    }
}
