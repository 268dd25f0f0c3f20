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
 * @param idleTimeoutSeconds a connection idle this long is closed
 */
public record GatewayConfig(String host, int port, int chunkBytes, int maxManifestBytes, long maxBlobBytes,
                            int maxPageSize, int eventLoops, int idleTimeoutSeconds) {
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
    }

    public static GatewayConfig defaults(String host, int port) {
        return new GatewayConfig(host, port, 4 << 20, 4 << 20, 100L << 30, 10_000,
                Math.max(1, Runtime.getRuntime().availableProcessors()), 300);
    }
}
