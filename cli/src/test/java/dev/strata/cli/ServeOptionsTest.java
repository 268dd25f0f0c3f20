package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parsing of {@code strata serve} options, in particular the storage choice. */
class ServeOptionsTest {
    @TempDir
    Path dir;

    private static String message(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> Main.serveConfig(args)).getMessage();
    }

    @Test
    void retentionAndNamespaceFlags() {
        var d = Main.gcConfig(new String[] {});
        assertNull(d.untaggedRetention(), "untagged manifests are kept by default");
        assertEquals(java.time.Duration.ofDays(14), d.timeMachine());
        assertTrue(d.deleteReferrers());
        assertEquals(java.util.List.of(), d.namespaces().prefixes());
        var c = Main.gcConfig(new String[] {"--untagged-retention", "7d", "--time-machine=30d", "--delete-referrers", "false",
                "--namespace-prefixes", "org/team, org/infra"});
        assertEquals(java.time.Duration.ofDays(7), c.untaggedRetention());
        assertEquals(java.time.Duration.ofDays(30), c.timeMachine());
        assertTrue(!c.deleteReferrers());
        assertEquals("org/infra", c.namespaces().of("org/infra/ci"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Main.gcConfig(new String[] {"--delete-referrers", "yes"}))
                .getMessage().contains("true or false"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Main.gcConfig(new String[] {"--namespace-prefixes", "Org/X"}))
                .getMessage().contains("Org/X"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Main.gcConfig(new String[] {"--untagged-retention", "soon"}))
                .getMessage().contains("--untagged-retention"));
    }

    @Test
    void defaultsToRocksDb() {
        ServeConfig c = Main.serveConfig(new String[] {"--data", dir.toString(), "--addr=127.0.0.1:0"});
        assertNull(c.rados());
        assertEquals(0, c.port());
        assertEquals(dir.toAbsolutePath().normalize(), c.data());
        assertNull(Main.serveConfig(new String[] {"--storage", "rocksdb"}).rados());
        assertFalse(c.files());
    }

    @Test
    void kafkaTimeoutBoundsWaitsOnTheLogAndStaysUnderTheRequestTimeout() {
        assertEquals(java.time.Duration.ofSeconds(5), Main.serveConfig(new String[] {"--data", dir.toString()}).kafkaTimeout(), "5s by default");
        assertEquals(java.time.Duration.ofSeconds(2), Main.serveConfig(new String[] {"--kafka-timeout", "2s"}).kafkaTimeout());
        assertEquals(java.time.Duration.ofMillis(500), Main.serveConfig(new String[] {"--kafka-timeout=500ms", "--fsync"}).kafkaTimeout());
        for (String bad : new String[] {"100ms", "30s", "5m"}) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Main.serveConfig(new String[] {"--kafka-timeout", bad}), bad);
            assertTrue(e.getMessage().contains("--kafka-timeout"), e.getMessage());
        }
    }

    @Test
    void fsyncIsAFlagOffByDefault() {
        assertFalse(Main.serveConfig(new String[] {"--data", dir.toString()}).fsync(), "off for serve by default");
        assertTrue(Main.serveConfig(new String[] {"--fsync", "--data", dir.toString()}).fsync());
        assertTrue(Main.serveConfig(new String[] {"--data", dir.toString(), "--fsync"}).fsync(), "last, without a value");
        assertTrue(Main.serveConfig(new String[] {"--fsync=true", "--storage", "files"}).fsync());
        assertTrue(Main.serveConfig(new String[] {"--fsync", "--storage", "files"}).files());
        assertFalse(Main.serveConfig(new String[] {"--fsync=false"}).fsync());
        assertTrue(Main.serveConfig(new String[] {"--fsync", "--storage", "nodes", "--storage-nodes", "a=http://h:1"}).fsync(),
                "kept with storage nodes: it covers the embedded broker");
        assertTrue(message("--fsync=yes").contains("--fsync takes no value"));
        assertTrue(message("--fsync", "true").contains("unknown option 'true'"));
        assertTrue(message("--fsync", "--fsync").contains("given twice"));
    }

    @Test
    void filesStorage() {
        ServeConfig c = Main.serveConfig(new String[] {"--data", dir.toString(), "--storage", "files"});
        assertTrue(c.files());
        assertNull(c.rados());
        assertNull(c.placement());
        assertTrue(message("--storage", "files", "--storage-nodes", "a=http://h:1").contains("needs --storage nodes"));
        assertTrue(message("--storage", "files", "--ceph-pool", "p").contains("needs --storage rados"));
    }

    @Test
    void radosWithConfPoolAndNamespace() throws Exception {
        Path conf = Files.writeString(dir.resolve("ceph.conf"), "[global]\n");
        ServeConfig c = Main.serveConfig(new String[] {"--storage", "rados", "--ceph-conf", conf.toString(), "--ceph-pool=blobs", "--ceph-namespace", "team-a"});
        assertEquals(conf.toAbsolutePath(), c.rados().cephConf());
        assertEquals("blobs", c.rados().pool());
        assertEquals("team-a", c.rados().namespace());
        assertEquals("strata", Main.serveConfig(new String[] {"--storage=rados", "--ceph-conf=" + conf}).rados().pool());
    }

    @Test
    void storageNodesWithReplicasAndQuorum() {
        ServeConfig c = Main.serveConfig(new String[] {"--storage", "nodes", "--storage-nodes", "n0=http://127.0.0.1:7000,n1=http://127.0.0.1:7001,n2=http://127.0.0.1:7002"});
        assertEquals(java.util.List.of("n0", "n1", "n2"), java.util.List.copyOf(c.placement().nodes().keySet()));
        assertEquals(2, c.placement().replicas());
        assertEquals(2, c.placement().writeQuorum());
        assertNull(c.rados());
        ServeConfig w = Main.serveConfig(new String[] {"--storage=nodes", "--storage-nodes=a=http://h:1,b=http://h:2,c=http://h:3", "--replicas=3", "--write-quorum=2"});
        assertEquals(3, w.placement().replicas());
        assertEquals(2, w.placement().writeQuorum());
    }

    @Test
    void badStorageOptionsAreClearErrors() throws Exception {
        Path conf = Files.writeString(dir.resolve("ceph.conf"), "[global]\n");
        assertTrue(message("--storage", "rados").contains("--ceph-conf"));
        assertTrue(message("--storage", "s3").contains("rocksdb, files, rados or nodes"));
        assertTrue(message("--storage", "nodes").contains("--storage-nodes"));
        assertTrue(message("--storage-nodes", "a=http://h:1").contains("needs --storage nodes"));
        assertTrue(message("--storage", "nodes", "--storage-nodes", "a=http://h:1,b=http://h:2", "--replicas", "3").contains("--replicas must be 1..2"));
        assertTrue(message("--storage", "nodes", "--storage-nodes", "a=http://h:1", "--write-quorum", "2").contains("--write-quorum"));
        assertTrue(message("--storage", "nodes", "--storage-nodes", "http://h:1").contains("ID=http"));
        assertTrue(message("--storage", "nodes", "--storage-nodes", "a=ftp://h:1").contains("http(s)://HOST:PORT"));
        assertTrue(message("--storage", "nodes", "--storage-nodes", "a=http://h:1,a=http://h:2").contains("twice"));
        assertTrue(message("--storage", "nodes", "--storage-nodes", "a=http://h:1", "--replicas", "x").contains("number"));
        assertTrue(message("--ceph-conf", conf.toString()).contains("needs --storage rados"));
        assertTrue(message("--ceph-pool", "p").contains("needs --storage rados"));
        assertTrue(message("--storage", "rados", "--ceph-conf", dir.resolve("nope.conf").toString()).contains("no such file"));
        assertTrue(message("--storage", "rados", "--ceph-conf", conf.toString(), "--ceph-pool", "a/b").contains("--ceph-pool"));
        assertTrue(message("--storage", "rados", "--ceph-conf", conf.toString(), "--ceph-namespace", "a b").contains("--ceph-namespace"));
        assertTrue(message("--storage").contains("needs a value"));
        assertTrue(message("--data", "a", "--data", "b").contains("twice"));
        assertTrue(message("--bogus", "x").contains("unknown option"));
        assertTrue(message("--addr", "nohost").contains("HOST:PORT"));
    }

    @Test
    void scrubIntervalAndRate() {
        assertNull(Main.serveConfig(new String[] {}).scrub(), "unset: the wiring picks daily for storage nodes, off otherwise");
        ServeConfig c = Main.serveConfig(new String[] {"--scrub-interval", "30m", "--scrub-rate", "8"});
        assertEquals(java.time.Duration.ofMinutes(30), c.scrub().interval());
        assertEquals(8L << 20, c.scrub().bytesPerSecond());
        assertTrue(c.scrub().enabled());
        assertEquals(false, Main.serveConfig(new String[] {"--scrub-interval=0"}).scrub().enabled());
        assertEquals(0, Main.serveConfig(new String[] {"--scrub-rate", "0"}).scrub().bytesPerSecond(), "0: unlimited");
        assertTrue(message("--scrub-rate", "-1").contains("--scrub-rate"));
        assertTrue(message("--scrub-rate", "fast").contains("--scrub-rate"));
        assertTrue(message("--scrub-interval", "soon").contains("--scrub-interval"));
    }
}
