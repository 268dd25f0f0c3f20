package dev.strata.core.spi;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The Ceph cluster of the RADOS tests (the RADOS conformance suite, serve on RADOS): its ceph.conf
 * comes from the environment variable {@value #CONF_ENV} or the system property
 * {@value #CONF_PROPERTY} (bin/test starts a cluster with deploy/ceph/start.sh and sets both); the
 * pool from {@value #POOL_ENV} (default strata). Without one, the tests fail when {@code CI=true} and
 * are skipped otherwise, with a message that names the variable.
 */
public final class CephTestCluster {
    public static final String CONF_ENV = "STRATA_CEPH_CONF";
    public static final String CONF_PROPERTY = "strata.ceph.conf";
    public static final String POOL_ENV = "STRATA_CEPH_POOL";

    private CephTestCluster() {}

    /** The configured ceph.conf, or null. */
    public static Path confOrNull() {
        String v = System.getenv(CONF_ENV);
        if (v == null || v.isBlank()) v = System.getProperty(CONF_PROPERTY);
        if (v == null || v.isBlank() || v.startsWith("${")) return null;
        return Path.of(v.trim());
    }

    public static void require() {
        Path conf = confOrNull();
        String why = conf == null
                ? "no Ceph cluster: set " + CONF_ENV + " (or -D" + CONF_PROPERTY + ") to the ceph.conf printed by deploy/ceph/start.sh"
                : Files.isRegularFile(conf) ? null : CONF_ENV + "=" + conf + " names no file";
        if (why == null) return;
        if ("true".equalsIgnoreCase(System.getenv("CI"))) fail(why + " (CI=true: backend tests must not be skipped)");
        Assumptions.abort(why);
    }

    /** The ceph.conf; fails (CI=true) or aborts the test (otherwise) when there is none. */
    public static Path conf() {
        require();
        return confOrNull();
    }

    public static String pool() {
        String p = System.getenv(POOL_ENV);
        return p == null || p.isBlank() ? "strata" : p;
    }
}
