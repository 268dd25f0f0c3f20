package dev.strata.cli;

import dev.strata.core.log.LogConfig;
import dev.strata.core.rpc.InternalTls;
import dev.strata.core.spi.Namespaces;
import dev.strata.gc.GcConfig;
import dev.strata.storage.PlacementConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The typed configs of the service processes ({@code strata gateway | upload-service |
 * manifest-service | gc-service --config FILE}), one record per service, loaded by
 * {@link dev.strata.core.config.YamlConfig} (YAML, then {@code STRATA_CONFIG_*} environment
 * overrides, unknown keys rejected) and validated by their constructors. Every key, its default and
 * its environment variable are listed in docs/configuration.md.
 */
final class ProcessConfig {
    private ProcessConfig() {}

    /**
     * Where the event log lives; the services create the topics with these settings if missing.
     * {@code timeout}: how long a request waits on the log (append, log-end lookup, the projection)
     * before it answers 503 (default 5s; {@link LogConfig#timeout}).
     */
    record Kafka(String bootstrapServers, String topicPrefix, Integer partitions, Short replicationFactor, Long retentionMs, String timeout) {
        Kafka {
            if (topicPrefix == null) topicPrefix = "strata.";
            if (partitions == null) partitions = 8;
            if (replicationFactor == null) replicationFactor = 1;
            if (retentionMs == null) retentionMs = -1L;
            log(bootstrapServers, topicPrefix, partitions, replicationFactor, retentionMs, timeout); // validates
        }

        private static LogConfig log(String b, String p, int n, short r, long ret, String timeout) {
            if (b == null) throw new IllegalArgumentException("kafka.bootstrapServers is required");
            return new LogConfig(b, p, n, r, ret, duration("kafka.timeout", timeout, "5s"));
        }

        LogConfig log() {
            return log(bootstrapServers, topicPrefix, partitions, replicationFactor, retentionMs, timeout);
        }
    }

    /** The storage nodes chunks are placed on (rendezvous hashing, R copies, W to acknowledge). */
    record Storage(Map<String, String> nodes, Integer replicas, Integer writeQuorum) {
        Storage {
            if (nodes == null || nodes.isEmpty()) throw new IllegalArgumentException("storage.nodes (ID: http(s)://HOST:PORT) is required");
            if (replicas == null) replicas = Math.min(2, nodes.size());
            if (writeQuorum == null) writeQuorum = replicas;
            placement(nodes, replicas, writeQuorum);
        }

        private static PlacementConfig placement(Map<String, String> n, int r, int w) {
            return new PlacementConfig(n, r, w);
        }

        PlacementConfig placement() {
            return placement(nodes, replicas, writeQuorum);
        }

        void checkTls(InternalTls tls) {
            nodes.forEach((id, url) -> InternalTls.checkUrl("storage.nodes." + id, url, tls));
        }
    }

    /** Timeouts shared by every process: one internal request, and waiting for Kafka at startup. */
    static Duration duration(String key, String value, String defaultValue) {
        return Main.duration(key, value == null ? defaultValue : value);
    }

    static void checkListen(String key, String listen) {
        int colon = listen.lastIndexOf(':');
        String port = colon <= 0 ? "" : listen.substring(colon + 1);
        if (!port.matches("\\d{1,5}") || Integer.parseInt(port) > 65535) throw new IllegalArgumentException(key + " must be HOST:PORT, got " + listen);
    }

    static String host(String listen) {
        return listen.substring(0, listen.lastIndexOf(':'));
    }

    static int port(String listen) {
        return Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1));
    }

    static List<String> checkUrls(String key, List<String> urls, boolean required, InternalTls tls) {
        if (urls == null || urls.isEmpty()) {
            if (required) throw new IllegalArgumentException(key + " (a list of http(s)://HOST:PORT) is required");
            return List.of();
        }
        for (String u : urls) {
            if (!u.matches("https?://[^/:]+:\\d{1,5}/?")) throw new IllegalArgumentException(key + " entries must be http(s)://HOST:PORT, got " + u);
            InternalTls.checkUrl(key, u, tls);
        }
        return List.copyOf(urls);
    }

    static Path checkData(Path data) {
        if (data == null) throw new IllegalArgumentException("data (the projection directory) is required");
        return data;
    }

    /** What every projection service needs: a listen address, its data directory, Kafka, and the storage nodes (reachable with {@code tls}). */
    static void checkService(String listen, Path data, Kafka kafka, Storage storage, InternalTls tls) {
        checkListen("listen", listen);
        checkData(data);
        if (kafka == null) throw new IllegalArgumentException("kafka.bootstrapServers is required");
        if (storage == null) throw new IllegalArgumentException("storage.nodes is required");
        storage.checkTls(tls);
    }

    /**
     * Checks requestTimeout (longer than kafka.timeout, so a wait on the log ends in the service's
     * 503 rather than the caller's timeout) and startupTimeout; returns the worker thread count
     * ({@code defaultThreads} when unset), checked.
     */
    static int checkTimeoutsAndThreads(String requestTimeout, String startupTimeout, Integer threads, int defaultThreads, Kafka kafka) {
        Duration request = duration("requestTimeout", requestTimeout, "30s");
        if (request.compareTo(kafka.log().timeout()) <= 0) {
            throw new IllegalArgumentException("requestTimeout (" + request.toMillis() + " ms) must be longer than kafka.timeout ("
                    + kafka.log().timeout().toMillis() + " ms)");
        }
        duration("startupTimeout", startupTimeout, "5m");
        int t = threads == null ? defaultThreads : threads;
        if (t < 1 || t > 1024) throw new IllegalArgumentException("threads must be 1..1024");
        return t;
    }

    /** The settings a projection service's process is built from (timeouts with their defaults). */
    static Common common(String listen, String requestTimeout, String startupTimeout, int threads, InternalTls tls) {
        return new Common(listen, duration("", requestTimeout, "30s"), duration("", startupTimeout, "5m"), threads, tls);
    }

    /**
     * {@code strata upload-service}: upload sessions and the blob index.
     *
     * @param listen         internal API HOST:PORT (default 127.0.0.1:7100; port 0 picks one)
     * @param data           directory of the uploads projection (RocksDB)
     * @param requestTimeout one internal request or Kafka append (default 30s)
     * @param startupTimeout how long to wait for Kafka at startup (default 5m)
     */
    record UploadService(String listen, Path data, Kafka kafka, Storage storage, String requestTimeout, String startupTimeout, Integer threads,
                         InternalTls tls) {
        UploadService {
            if (listen == null) listen = "127.0.0.1:7100";
            checkService(listen, data, kafka, storage, tls);
            threads = checkTimeoutsAndThreads(requestTimeout, startupTimeout, threads, 64, kafka);
        }

        Common common() { return ProcessConfig.common(listen, requestTimeout, startupTimeout, threads, tls); }
    }

    /**
     * {@code strata manifest-service}: links, manifests, tags, referrers, catalog.
     *
     * @param deleteReferrers deleting a manifest (by a client, or by the gc-service's retention)
     *                        also deletes its referrers, recursively (default true; as {@code serve --delete-referrers})
     */
    record ManifestService(String listen, Path data, Kafka kafka, Storage storage, List<String> uploadServices, List<String> gcServices,
                           String validationWindow, Boolean deleteReferrers, String requestTimeout, String startupTimeout,
                           Integer threads, InternalTls tls) {
        ManifestService {
            if (deleteReferrers == null) deleteReferrers = true;
            if (listen == null) listen = "127.0.0.1:7200";
            checkService(listen, data, kafka, storage, tls);
            uploadServices = checkUrls("uploadServices", uploadServices, true, tls);
            gcServices = checkUrls("gcServices", gcServices, false, tls);
            if (duration("validationWindow", validationWindow, "30s").isZero()) throw new IllegalArgumentException("validationWindow must be positive");
            threads = checkTimeoutsAndThreads(requestTimeout, startupTimeout, threads, 64, kafka);
        }

        Duration window() { return duration("", validationWindow, "30s"); }

        Common common() { return ProcessConfig.common(listen, requestTimeout, startupTimeout, threads, tls); }
    }

    /**
     * {@code strata gc-service}: reference and usage projection, online GC, retention, quotas. Run one.
     * The GC settings are those of {@code serve} ({@link GcConfig}), with the same defaults.
     *
     * @param manifestServices  the manifest-services, through which retention deletes untagged
     *                          manifests; required with {@code untaggedRetention}
     * @param orphanGrace       age after which an upload chunk no blob and no live session holds is
     *                          collected (default the larger of {@code grace} and 15 min)
     * @param untaggedRetention delete untagged manifests this long after they lost their last tag (default: keep)
     * @param timeMachine       keep manifests a tag pointed at within this window (default 14d)
     * @param namespacePrefixes repository prefixes that are quota namespaces of their own (default none)
     */
    record GcService(String listen, Path data, Kafka kafka, Storage storage, List<String> uploadServices, List<String> manifestServices,
                     String grace, String interval, Integer maxDeletesPerPass, String uploadExpiry, String orphanGrace,
                     String untaggedRetention, String timeMachine, List<String> namespacePrefixes,
                     String validationWindow, String requestTimeout, String startupTimeout, Integer threads, InternalTls tls) {
        GcService {
            if (listen == null) listen = "127.0.0.1:7300";
            checkService(listen, data, kafka, storage, tls);
            uploadServices = checkUrls("uploadServices", uploadServices, true, tls);
            manifestServices = checkUrls("manifestServices", manifestServices, untaggedRetention != null, tls);
            namespacePrefixes = namespacePrefixes == null ? List.of() : List.copyOf(namespacePrefixes);
            gc(grace, interval, maxDeletesPerPass, uploadExpiry, orphanGrace, untaggedRetention, timeMachine, namespacePrefixes);
            if (duration("validationWindow", validationWindow, "30s").isZero()) throw new IllegalArgumentException("validationWindow must be positive");
            threads = checkTimeoutsAndThreads(requestTimeout, startupTimeout, threads, 16, kafka);
        }

        private static GcConfig gc(String grace, String interval, Integer max, String expiry, String orphanGrace,
                                   String untaggedRetention, String timeMachine, List<String> prefixes) {
            Namespaces namespaces;
            try {
                namespaces = new Namespaces(prefixes);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("namespacePrefixes: " + e.getMessage());
            }
            GcConfig gc = new GcConfig(duration("grace", grace, "1h"), duration("interval", interval, "5m"),
                    max == null ? 1000 : max, duration("uploadExpiry", expiry, "24h"),
                    untaggedRetention == null ? null : duration("untaggedRetention", untaggedRetention, null),
                    duration("timeMachine", timeMachine, "14d"), true, namespaces);
            return orphanGrace == null ? gc : gc.withOrphanGrace(duration("orphanGrace", orphanGrace, null));
        }

        GcConfig gc() {
            return gc(grace, interval, maxDeletesPerPass, uploadExpiry, orphanGrace, untaggedRetention, timeMachine, namespacePrefixes);
        }

        Duration window() { return duration("", validationWindow, "30s"); }

        Common common() { return ProcessConfig.common(listen, requestTimeout, startupTimeout, threads, tls); }
    }

    /** {@code strata gateway}: the OCI API; stateless, run any number behind a load balancer. */
    record Gateway(String listen, String adminListen, Storage storage, List<String> uploadServices, List<String> manifestServices,
                   List<String> gcServices, String requestTimeout, Integer eventLoops, Path auth, Path tlsCert, Path tlsKey,
                   InternalTls internalTls, String uploadHold) {
        Gateway {
            if ((tlsCert == null) != (tlsKey == null)) throw new IllegalArgumentException("tlsCert and tlsKey go together");
            if (auth != null && !java.nio.file.Files.isRegularFile(auth)) throw new IllegalArgumentException("auth file not found: " + auth);
            if (tlsCert != null) new dev.strata.gateway.GatewayConfig.Tls(tlsCert, tlsKey); // validates
            if (listen == null) listen = "127.0.0.1:5000";
            checkListen("listen", listen);
            if (adminListen == null) adminListen = "127.0.0.1:0";
            checkListen("adminListen", adminListen);
            if (storage == null) throw new IllegalArgumentException("storage.nodes is required");
            storage.checkTls(internalTls);
            uploadServices = checkUrls("uploadServices", uploadServices, true, internalTls);
            manifestServices = checkUrls("manifestServices", manifestServices, true, internalTls);
            gcServices = checkUrls("gcServices", gcServices, false, internalTls);
            duration("requestTimeout", requestTimeout, "30s");
            if (eventLoops != null && (eventLoops < 1 || eventLoops > 64)) throw new IllegalArgumentException("eventLoops must be 1..64");
            if (hold(uploadHold).toMillis() < 10) throw new IllegalArgumentException("uploadHold must be at least 10ms");
        }

        Duration timeout() { return duration("", requestTimeout, "30s"); }

        /** How often a request body still streaming renews its hold on its chunks (keep it well below the gc-service's orphanGrace). */
        Duration holdInterval() { return hold(uploadHold); }

        private static Duration hold(String uploadHold) { return duration("uploadHold", uploadHold, "60s"); }
    }

    /** What every service process shares. */
    record Common(String listen, Duration requestTimeout, Duration startupTimeout, int threads, InternalTls tls) {}
}
