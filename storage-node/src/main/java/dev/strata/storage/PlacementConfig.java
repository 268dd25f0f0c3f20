package dev.strata.storage;

import dev.strata.core.spi.ChunkStore;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Chunks spread over storage nodes reached over HTTP ({@link PlacedChunkStore}).
 *
 * @param nodes        node id to base URL (http(s)://HOST:PORT; https needs an SSLContext in {@link #open(Duration, javax.net.ssl.SSLContext)}), in the given order; ids are the
 *                     rendezvous-hashing keys, so they must stay stable
 * @param replicas     R: copies of each chunk (default 2, at most the number of nodes)
 * @param writeQuorum  W: copies a put needs before it is acknowledged (default R)
 */
public record PlacementConfig(Map<String, String> nodes, int replicas, int writeQuorum) {
    public PlacementConfig {
        if (nodes == null || nodes.isEmpty()) throw new IllegalArgumentException("--storage-nodes: no nodes");
        nodes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(nodes));
        for (Map.Entry<String, String> e : nodes.entrySet()) {
            if (!ChunkStore.ID.matcher(e.getKey()).matches()) throw new IllegalArgumentException("--storage-nodes: invalid node id " + e.getKey());
            URI u;
            try {
                u = URI.create(e.getValue());
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("--storage-nodes: invalid URL " + e.getValue());
            }
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null || u.getPort() < 0) {
                throw new IllegalArgumentException("--storage-nodes: URL must be http(s)://HOST:PORT, got " + e.getValue());
            }
        }
        if (replicas < 1 || replicas > nodes.size()) throw new IllegalArgumentException("--replicas must be 1.." + nodes.size() + ", got " + replicas);
        if (writeQuorum < 1 || writeQuorum > replicas) throw new IllegalArgumentException("--write-quorum must be 1.." + replicas + ", got " + writeQuorum);
    }

    /** Parses {@code ID=URL,ID=URL,...}. */
    public static Map<String, String> parseNodes(String spec) {
        Map<String, String> nodes = new LinkedHashMap<>();
        for (String part : spec.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("--storage-nodes entries are ID=http://HOST:PORT, got '" + part + "'");
            if (nodes.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim()) != null) {
                throw new IllegalArgumentException("--storage-nodes: node id " + part.substring(0, eq) + " given twice");
            }
        }
        return nodes;
    }

    /** A {@link PlacedChunkStore} over an {@link HttpChunkStore} per node. */
    public PlacedChunkStore open(Duration timeout) {
        return open(timeout, null);
    }

    /** As above; {@code ssl} (trusting the internal CA) is required for https:// node URLs. */
    public PlacedChunkStore open(Duration timeout, javax.net.ssl.SSLContext ssl) {
        List<PlacedChunkStore.Node> list = new ArrayList<>();
        nodes.forEach((id, url) -> list.add(new PlacedChunkStore.Node(id, new HttpChunkStore(url, timeout, ssl))));
        return new PlacedChunkStore(list, replicas, writeQuorum);
    }
}
