package dev.strata.gateway;

/**
 * The gateway's settings, validated on construction.
 *
 * @param host              address to listen on
 * @param port              port to listen on (0: any free port)
 * @param chunkBytes        size of the chunks an upload body is cut into on its way to storage
 * @param maxManifestBytes  largest manifest accepted; larger gets 413
 * @param maxBlobBytes      largest blob accepted
 * @param maxPageSize       largest page of tags or repositories, and the page when n is absent
 * @param eventLoops        event-loop threads serving HTTP
 * @param idleTimeoutSeconds a connection idle this long is closed: nothing read or written, also in the
 *                          middle of a request body (a stalled upload)
 * @param limits            limits against hostile clients (request head time, header size, rates)
 * @param tls               HTTPS certificate and key; null serves plain HTTP
 * @param uploadHold        while a request body streams into an upload session for longer than
 *                          this, its stored chunks are held against orphan GC by a lease renewed
 *                          this often ({@code UploadService.hold}); must be well below the
 *                          gc-service's orphan grace (default 60 s; the orphan grace is 15 min or more
 *                          unless set)
 */
public record GatewayConfig(String host, int port, int chunkBytes, int maxManifestBytes, long maxBlobBytes,
                            int maxPageSize, int eventLoops, int idleTimeoutSeconds, GatewayLimits limits, Tls tls,
                            java.time.Duration uploadHold) {
    public static final java.time.Duration DEFAULT_UPLOAD_HOLD = java.time.Duration.ofSeconds(60);

    /** PEM files of the server certificate (chain) and its private key (PKCS#8 or SEC1/PKCS#1). */
    public record Tls(java.nio.file.Path certPem, java.nio.file.Path keyPem) {
        public Tls {
            if (certPem == null || keyPem == null) throw new IllegalArgumentException("TLS needs both a certificate and a key file");
            if (!java.nio.file.Files.isReadable(certPem)) throw new IllegalArgumentException("TLS certificate not readable: " + certPem);
            if (!java.nio.file.Files.isReadable(keyPem)) throw new IllegalArgumentException("TLS key not readable: " + keyPem);
        }
    }

    public GatewayConfig {
        if (host == null || host.isBlank()) throw new IllegalArgumentException("gateway host is required");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("gateway port must be 0..65535");
        if (chunkBytes < 64 * 1024 || chunkBytes > dev.strata.core.spi.ChunkStore.MAX_CHUNK_BYTES) {
            throw new IllegalArgumentException("chunk size must be 64 KiB..64 MiB");
        }
        if (maxManifestBytes < 4 << 20 || maxManifestBytes > 64 << 20) throw new IllegalArgumentException("max manifest size must be 4..64 MiB");
        if (maxBlobBytes < 1) throw new IllegalArgumentException("max blob size must be positive");
        if (maxPageSize < 1 || maxPageSize > 100_000) throw new IllegalArgumentException("max page size must be 1..100000");
        if (eventLoops < 1 || eventLoops > 64) throw new IllegalArgumentException("event loops must be 1..64");
        if (idleTimeoutSeconds < 1) throw new IllegalArgumentException("idle timeout must be positive");
        if (limits == null) throw new IllegalArgumentException("gateway limits are required");
        if (uploadHold == null) uploadHold = DEFAULT_UPLOAD_HOLD;
        if (uploadHold.toMillis() < 10) throw new IllegalArgumentException("upload hold interval must be at least 10 ms");
    }

    /** With the default upload hold interval. */
    public GatewayConfig(String host, int port, int chunkBytes, int maxManifestBytes, long maxBlobBytes,
                         int maxPageSize, int eventLoops, int idleTimeoutSeconds, GatewayLimits limits, Tls tls) {
        this(host, port, chunkBytes, maxManifestBytes, maxBlobBytes, maxPageSize, eventLoops, idleTimeoutSeconds, limits, tls, null);
    }

    public static GatewayConfig defaults(String host, int port) {
        return new GatewayConfig(host, port, 4 << 20, 4 << 20, 100L << 30, 10_000,
                Math.max(1, Runtime.getRuntime().availableProcessors()), 300, GatewayLimits.defaults(), null);
    }

    public GatewayConfig withIdleTimeoutSeconds(int seconds) {
        return new GatewayConfig(host, port, chunkBytes, maxManifestBytes, maxBlobBytes, maxPageSize, eventLoops, seconds, limits, tls, uploadHold);
    }

    public GatewayConfig withLimits(GatewayLimits l) {
        return new GatewayConfig(host, port, chunkBytes, maxManifestBytes, maxBlobBytes, maxPageSize, eventLoops, idleTimeoutSeconds, l, tls, uploadHold);
    }

    public GatewayConfig withTls(Tls t) {
        return new GatewayConfig(host, port, chunkBytes, maxManifestBytes, maxBlobBytes, maxPageSize, eventLoops, idleTimeoutSeconds, limits, t, uploadHold);
    }

    public GatewayConfig withUploadHold(java.time.Duration hold) {
        return new GatewayConfig(host, port, chunkBytes, maxManifestBytes, maxBlobBytes, maxPageSize, eventLoops, idleTimeoutSeconds, limits, tls, hold);
    }
}
