package dev.strata.cli.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.cli.CliAccess;
import dev.strata.cli.ServeConfig;
import dev.strata.cli.SingleNode;
import dev.strata.core.oci.Digest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** strata replay rebuilds each projection from the log and proves it equals the live one. */
class ReplayTest {
    private record Run(int rc, String out, String err) {}

    private static Run replay(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = CliAccess.replay(args, new PrintStream(out, true), new PrintStream(err, true));
        return new Run(rc, out.toString(), err.toString());
    }

    @Test
    void everyProjectionReplaysEqualOnARunningAndOnAStoppedServer() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target"), "replay-").toAbsolutePath();
        try (SingleNode node = SingleNode.start(new ServeConfig("127.0.0.1", 0, dir, 2))) {
            Api api = new Api("http://127.0.0.1:" + node.port());
            for (int i = 0; i < 3; i++) {
                String repo = "replay/app" + i;
                byte[] m = api.pushImage(repo, "v1", 2);
                api.pushImage(repo, "v2", 1);
                assertEquals(202, api.delete("/v2/" + repo + "/manifests/v1").statusCode());
                assertEquals(202, api.delete("/v2/" + repo + "/manifests/" + Digest.sha256(m)).statusCode());
            }
            api.send("POST", "/v2/replay/open/blobs/uploads/", null); // a live upload session
            for (String p : new String[] {"index", "uploads", "gc"}) {
                Run r = replay("replay", "--projection", p, "--data", dir.toString(), "--into", dir.resolve("replayed-live-" + p).toString());
                assertEquals(0, r.rc(), () -> p + ": " + r.out() + r.err());
                assertTrue(r.out().contains("equal"), r.out());
                assertTrue(Long.parseLong(r.out().lines().findFirst().orElseThrow().replaceAll("\\D", "")) > 0, r.out());
            }
        }
        // stopped: replay starts the embedded broker itself
        Run r = replay("replay", "--projection", "index", "--data", dir.toString(), "--into", dir.resolve("replayed-stopped").toString());
        assertEquals(0, r.rc(), () -> r.out() + r.err());
        assertTrue(r.out().contains("equal"));
        assertTrue(r.err().contains("events/s"), "progress is shown: " + r.err());
    }

    @Test
    void aProjectionThatDiffersFromTheLogIsReported() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target"), "replay-tamper-").toAbsolutePath();
        try (SingleNode node = SingleNode.start(new ServeConfig("127.0.0.1", 0, dir, 1))) {
            new Api("http://127.0.0.1:" + node.port()).pushImage("tamper/app", "v1", 1);
        }
        // corrupt the live index behind the log's back
        try (var live = new dev.strata.storage.RocksKvStore(dir.resolve("meta/repositories"))) {
            live.write(new dev.strata.core.spi.KvStore.Batch().put("t/tamper/app|forged", "sha256:0".getBytes()));
        }
        Run r = replay("replay", "--projection", "index", "--data", dir.toString(), "--into", dir.resolve("out").toString());
        assertEquals(1, r.rc(), () -> r.out() + r.err());
        assertTrue(r.out().contains("MISMATCH"), r.out());
    }

    @Test
    void usageErrors() throws Exception {
        assertEquals(2, replay("replay", "--projection", "nope", "--into", "x").rc());
        assertEquals(2, replay("replay", "--projection", "index").rc());
        assertEquals(2, replay("replay", "--projection", "index", "--into", "x", "--data", "/nonexistent").rc());
    }
}
