package dev.strata.storage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Settings of {@link RadosChunkStore}, validated on construction.
 *
 * @param cephConf    the cluster's ceph.conf (monitor addresses, keyring path); must exist
 * @param pool        the RADOS pool that holds the chunks (default {@value #DEFAULT_POOL}); must exist
 * @param namespace   RADOS namespace inside the pool, "" for the default one; lets several
 *                    registries (or tests) share a pool without seeing each other's chunks
 * @param user        the cephx user without "client." (default {@value #DEFAULT_USER})
 * @param connectTimeout how long connecting may take ({@code client_mount_timeout}, default 10 s)
 * @param opTimeout   how long one monitor or OSD operation may take ({@code rados_osd_op_timeout},
 *                    {@code rados_mon_op_timeout}; default 30 s). librados's defaults wait forever.
 */
public record RadosConfig(Path cephConf, String pool, String namespace, String user, Duration connectTimeout, Duration opTimeout) {
    public static final String DEFAULT_POOL = "strata";
    public static final String DEFAULT_USER = "admin";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    public RadosConfig {
        if (cephConf == null) throw new IllegalArgumentException("--ceph-conf is required with --storage rados");
        if (!Files.isRegularFile(cephConf)) throw new IllegalArgumentException("--ceph-conf: no such file: " + cephConf);
        if (pool == null || !NAME.matcher(pool).matches()) {
            throw new IllegalArgumentException("--ceph-pool must match [A-Za-z0-9._-]{1,100}, got: " + pool);
        }
        if (namespace == null) namespace = "";
        if (!namespace.isEmpty() && !NAME.matcher(namespace).matches()) {
            throw new IllegalArgumentException("--ceph-namespace must match [A-Za-z0-9._-]{1,100}, got: " + namespace);
        }
        if (user == null || !NAME.matcher(user).matches()) throw new IllegalArgumentException("ceph user must match [A-Za-z0-9._-]{1,100}, got: " + user);
        requirePositiveSeconds("connect timeout", connectTimeout);
        requirePositiveSeconds("operation timeout", opTimeout);
    }

    /** The defaults for a cluster: pool "strata", default namespace, user admin, 10 s / 30 s timeouts. */
    public static RadosConfig of(Path cephConf, String pool, String namespace) {
        return new RadosConfig(cephConf, pool == null ? DEFAULT_POOL : pool, namespace, DEFAULT_USER,
                Duration.ofSeconds(10), Duration.ofSeconds(30));
    }

    private static void requirePositiveSeconds(String what, Duration d) {
        if (d == null || d.toSeconds() < 1) throw new IllegalArgumentException(what + " must be at least 1 s, got " + d);
    }
}
