package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    void defaultsToRocksDb() {
        ServeConfig c = Main.serveConfig(new String[] {"--data", dir.toString(), "--addr=127.0.0.1:0"});
        assertNull(c.rados());
        assertEquals(0, c.port());
        assertEquals(dir.toAbsolutePath().normalize(), c.data());
        assertNull(Main.serveConfig(new String[] {"--storage", "rocksdb"}).rados());
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
    void badStorageOptionsAreClearErrors() throws Exception {
        Path conf = Files.writeString(dir.resolve("ceph.conf"), "[global]\n");
        assertTrue(message("--storage", "rados").contains("--ceph-conf"));
        assertTrue(message("--storage", "s3").contains("rocksdb or rados"));
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
}
