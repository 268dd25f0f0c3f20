package dev.strata.cli.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The README's first command, for real: {@code bin/strata serve} on the built project. Runs after
 * {@code package} (failsafe), so the launcher finds its jar and libraries.
 */
class LauncherIT {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private static int freePort() throws IOException {
        return dev.strata.cli.InJvmCluster.freePort();
    }

    @Test
    void serveLogsWherePrintsReadyHonoursJavaOptsAndStopsOnSigterm() throws Exception {
        int port = freePort();
        Path data = Files.createTempDirectory(Path.of("target"), "launcher-").toAbsolutePath();
        Path log = data.resolve("serve.log");
        ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("bin/strata").toString(), "serve",
                "--addr", "127.0.0.1:" + port, "--data", data.resolve("d").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("JAVA_OPTS", "-Xmx192m -XX:+PrintCommandLineFlags");
        Process p = pb.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline && p.isAlive() && !Files.readString(log).contains("ready")) Thread.sleep(200);
            String out = Files.readString(log);
            List<String> lines = out.lines().toList();
            String ready = lines.stream().filter(l -> l.contains("ready")).findFirst().orElse(null);
            assertTrue(ready != null, () -> "no ready line; output:\n" + out);
            assertTrue(ready.contains("http://127.0.0.1:" + port), "ready line names the address: " + ready);
            assertTrue(lines.stream().anyMatch(l -> l.contains("-XX:MaxHeapSize=201326592")), "JAVA_OPTS reached the JVM");
            assertTrue(lines.stream().anyMatch(l -> l.contains("listening on http://127.0.0.1:" + port)), "logs where it listens");

            HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(Files.isDirectory(data.resolve("d/kafka")) && Files.isDirectory(data.resolve("d/storage")),
                    "data under the --data directory");

            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "exits on SIGTERM");
            assertTrue(Files.readString(log).contains("shutting down"), "clean shutdown path ran");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void unknownCommandsAndBadAddressesFailWithUsage() throws Exception {
        Process p = new ProcessBuilder(ROOT.resolve("bin/strata").toString(), "serve", "--addr", "nonsense")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        assertTrue(out.contains("--addr must be HOST:PORT"), out);
        Process q = new ProcessBuilder(ROOT.resolve("bin/strata").toString(), "frobnicate").redirectErrorStream(true).start();
        String out2 = new String(q.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(q.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, q.exitValue());
        assertTrue(out2.contains("usage: strata"), out2);
    }

    @Test
    void aTakenPortIsAClearErrorAndTheProcessExits() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Path data = Files.createTempDirectory(Path.of("target"), "launcher-taken-").toAbsolutePath();
            Process p = new ProcessBuilder(ROOT.resolve("bin/strata").toString(), "serve",
                    "--addr", "127.0.0.1:" + taken.getLocalPort(), "--data", data.toString())
                    .redirectErrorStream(true).redirectOutput(data.resolve("out.log").toFile()).start();
            try {
                assertTrue(p.waitFor(120, TimeUnit.SECONDS), "exits instead of hanging");
                assertEquals(1, p.exitValue());
                String out = Files.readString(data.resolve("out.log"));
                assertTrue(out.contains("cannot start") && out.contains("cannot listen on 127.0.0.1:" + taken.getLocalPort()), out);
            } finally {
                p.destroyForcibly();
            }
        }
    }
}
