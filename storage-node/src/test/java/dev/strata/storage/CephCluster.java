package dev.strata.storage;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The Ceph cluster the RADOS tests use: its ceph.conf comes from the environment variable
 * {@value #CONF_ENV} or the system property {@value #CONF_PROPERTY} (bin/test starts a cluster
 * with deploy/ceph/start.sh and sets both). Without one, the tests fail when {@code CI=true} and
 * are skipped otherwise, with a message that names the variable.
 */
final class CephCluster {
    static final String CONF_ENV = "STRATA_CEPH_CONF";
    static final String CONF_PROPERTY = "strata.ceph.conf";
    static final String POOL_ENV = "STRATA_CEPH_POOL";

    private CephCluster() {}

    /** The configured ceph.conf, or null. */
    static Path confOrNull() {
        String v = System.getenv(CONF_ENV);
        if (v == null || v.isBlank()) v = System.getProperty(CONF_PROPERTY);
        if (v == null || v.isBlank() || v.startsWith("${")) return null;
        return Path.of(v.trim());
    }

    static void require() {
        Path conf = confOrNull();
        String why = conf == null
                ? "no Ceph cluster: set " + CONF_ENV + " (or -D" + CONF_PROPERTY + ") to the ceph.conf printed by deploy/ceph/start.sh"
                : Files.isRegularFile(conf) ? null : CONF_ENV + "=" + conf + " names no file";
        if (why == null) return;
        if ("true".equalsIgnoreCase(System.getenv("CI"))) fail(why + " (CI=true: backend tests must not be skipped)");
        Assumptions.abort(why);
    }

    static Path conf() {
        require();
        return confOrNull();
    }

    static String pool() {
        String p = System.getenv(POOL_ENV);
        return p == null || p.isBlank() ? "strata" : p;
    }
}
