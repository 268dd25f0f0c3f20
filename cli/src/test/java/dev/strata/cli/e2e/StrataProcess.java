package dev.strata.cli.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;

/**
 * Test fixture that runs the real server as a separate JVM:
 * {@code java <jvmArgs> -cp <test classpath> dev.strata.cli.Main serve --addr 127.0.0.1:PORT --data DIR},
 * output to a log file under target/e2e/, and waits (at most 120 s) for a line containing the
 * word "ready" and for {@code GET /v2/} to answer 200.
 *
 * <p>If the system property {@value #EXTERNAL_PROPERTY} is set to HOST:PORT, nothing is launched
 * and that registry is used instead (e.g. Distribution, for developing the tests); the
 * operations that need a process of our own (stop, kill -9, restart) then skip the test.
 */
final class StrataProcess implements AutoCloseable {
    static final String EXTERNAL_PROPERTY = "strata.test.externalRegistry";
    /**
     * "rados" launches every server with {@code --storage rados} on the Ceph cluster of STRATA_CEPH_CONF;
     * "files" launches the servers of {@link #start} and {@link #startOn} with {@code --storage files}.
     */
    static final String STORAGE_PROPERTY = "strata.test.storage";
    static final String MAIN_CLASS = "dev.strata.cli.Main";
    static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern READY = Pattern.compile("(?i)\\bready\\b");
    private static final Set<StrataProcess> LIVE = ConcurrentHashMap.newKeySet();
    private static final Deque<StrataProcess> RECENT = new ConcurrentLinkedDeque<>();
    private static StrataProcess shared;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (StrataProcess p : LIVE) {
                p.terminateQuietly();
            }
        }, "strata-e2e-cleanup"));
    }

    private final String name;
    private final boolean external;
    private final List<String> jvmArgs;
    private final Path dataDir;
    private boolean rados = "rados".equals(System.getProperty(STORAGE_PROPERTY));
    private List<String> serveArgs = List.of();
    private String hostPort;
    private int port;
    private Process process;
    private Path logFile;
    private int launches;

    private StrataProcess(String name, boolean external, List<String> jvmArgs, Path dataDir, String hostPort) {
        this.name = name;
        this.external = external;
        this.jvmArgs = List.copyOf(jvmArgs);
        this.dataDir = dataDir;
        this.hostPort = hostPort;
    }

    /** HOST:PORT from -Dstrata.test.externalRegistry, or null when the server is to be launched. */
    static String externalRegistry() {
        String v = System.getProperty(EXTERNAL_PROPERTY);
        if (v == null || v.isBlank() || v.startsWith("${")) {
            return null;
        }
        return v.trim();
    }

    /** Skips the calling test/class when an external registry is in use (for Strata-only tests). */
    static void assumeLaunchable(String what) {
        Assumptions.assumeTrue(externalRegistry() == null,
                what + " needs a Strata server launched by the test; skipped because -D" + EXTERNAL_PROPERTY
                        + "=" + externalRegistry() + " points the tests at an external registry");
    }

    /** One server shared by the tests that do not stop or restart it; stopped when the JVM exits. */
    static synchronized StrataProcess shared() {
        if (shared == null || (!shared.external && !shared.isAlive())) {
            shared = start("shared");
        }
        return shared;
    }

    /** Starts a server with a fresh data dir (or wraps the external registry). */
    static StrataProcess start(String name, String... jvmArgs) {
        String ext = externalRegistry();
        if (ext != null) {
            return new StrataProcess(name, true, List.of(), null, ext);
        }
        Path dir = E2E.freshDir("data-" + name);
        return startOn(name, dir, jvmArgs);
    }

    /** Starts a server with a fresh data dir whose chunks go to RADOS, whatever {@value #STORAGE_PROPERTY} says. */
    static StrataProcess startOnRados(String name) {
        return launchNew(name, E2E.freshDir("data-" + name), List.of(), true, List.of());
    }

    /** Starts a server with a fresh data dir and extra {@code serve} options (e.g. --storage nodes ...). */
    static StrataProcess startWith(String name, List<String> serveArgs) {
        return launchNew(name, E2E.freshDir("data-" + name), List.of(), false, serveArgs);
    }

    private static StrataProcess launchNew(String name, Path dataDir, List<String> jvmArgs, boolean rados, List<String> serveArgs) {
        StrataProcess p = new StrataProcess(name, false, jvmArgs, dataDir, null);
        p.rados = rados;
        p.serveArgs = List.copyOf(serveArgs);
        p.port = freePort();
        p.launch();
        return p;
    }

    boolean usesRados() {
        return rados;
    }

    /**
     * The RADOS namespace of this server's chunks: one per data dir and test JVM, so a restart on the
     * same data dir finds its chunks and servers never see each other's.
     */
    String radosNamespace() {
        return ("e2e-" + ProcessHandle.current().pid() + "-" + dataDir.getFileName()).replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** The ceph.conf of the test cluster; fails under CI=true and skips otherwise when there is none. */
    static String cephConf() {
        return dev.strata.core.spi.CephTestCluster.conf().toString();
    }

    /** Starts a server on a given data dir (e.g. one left by an earlier process). */
    static StrataProcess startOn(String name, Path dataDir, String... jvmArgs) {
        String storage = System.getProperty(STORAGE_PROPERTY, "");
        return launchNew(name, dataDir, List.of(jvmArgs), "rados".equals(storage),
                "files".equals(storage) ? List.of("--storage", "files") : List.of());
    }

    boolean isExternal() {
        return external;
    }

    String hostPort() {
        return hostPort;
    }

    String baseUrl() {
        return "http://" + hostPort;
    }

    Path dataDir() {
        return dataDir;
    }

    Path logFile() {
        return logFile;
    }

    Process process() {
        return process;
    }

    boolean isAlive() {
        return external || (process != null && process.isAlive());
    }

    /** The tail of the current log, for assertion messages. */
    String logTail() {
        if (external) {
            return "(external registry " + hostPort + ": no log)";
        }
        return "--- tail of " + logFile + " ---\n" + E2E.tail(logFile, 12_000);
    }

    private void requireOwnProcess(String op) {
        if (external) {
            Assumptions.abort(op + " needs a Strata server launched by the test; skipped because -D"
                    + EXTERNAL_PROPERTY + "=" + hostPort + " is set");
        }
    }

    private void launch() {
        launches++;
        hostPort = "127.0.0.1:" + port;
        Path logs = E2E.targetDir().resolve("e2e").resolve("logs");
        try {
            Files.createDirectories(logs);
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        logFile = logs.resolve(name + "-" + ProcessHandle.current().pid() + "-" + dataDir.getFileName() + "-run" + launches + ".log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(MAIN_CLASS);
        cmd.add("serve");
        cmd.add("--addr");
        cmd.add(hostPort);
        cmd.add("--data");
        cmd.add(dataDir.toString());
        cmd.addAll(serveArgs);
        if (rados) {
            cmd.addAll(List.of("--storage", "rados", "--ceph-conf", cephConf(),
                    "--ceph-pool", dev.strata.core.spi.CephTestCluster.pool(), "--ceph-namespace", radosNamespace()));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(E2E.targetDir().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        try {
            Files.writeString(logFile, "# " + String.join(" ", cmd).replace(System.getProperty("java.class.path"), "<test classpath>") + "\n");
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot launch " + cmd.get(0), e);
        }
        LIVE.add(this);
        RECENT.remove(this);
        RECENT.addFirst(this);
        while (RECENT.size() > 3) {
            RECENT.pollLast();
        }
        awaitReady();
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        boolean sawReady = false;
        String lastProbe = "not probed yet";
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                fail("Strata server (" + name + ") exited with code " + process.exitValue()
                        + " before it was ready\n" + logTail());
            }
            if (!sawReady) {
                sawReady = logSaysReady();
            }
            if (sawReady) {
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/v2/"))
                            .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        return;
                    }
                    lastProbe = "GET /v2/ answered " + r.statusCode() + ": " + r.body();
                } catch (IOException e) {
                    lastProbe = "GET /v2/ failed: " + e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            sleep(100);
        }
        String why = sawReady ? lastProbe : "no line containing 'ready' in its output";
        terminateQuietly();
        fail("Strata server (" + name + ") not ready within " + STARTUP_TIMEOUT.toSeconds() + " s: " + why + "\n" + logTail());
    }

    private boolean logSaysReady() {
        try {
            for (String line : Files.readAllLines(logFile)) {
                if (!line.startsWith("# ") && READY.matcher(line).find()) {
                    return true;
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // Partial UTF-8 while the server writes: try again on the next poll.
        }
        return false;
    }

    /** SIGTERM, then waits (bounded) for the process to exit; returns its exit code. */
    int stop() {
        requireOwnProcess("stop (SIGTERM)");
        if (process == null || !process.isAlive()) {
            return process == null ? -1 : process.exitValue();
        }
        process.destroy(); // SIGTERM on Linux
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                String tail = logTail();
                killTree();
                fail("Strata server (" + name + ") did not exit within " + STOP_TIMEOUT.toSeconds()
                        + " s of SIGTERM\n" + tail);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        LIVE.remove(this);
        return process.exitValue();
    }

    /** SIGKILL to the server and every process it started (a crash of the whole server). */
    void kill9() {
        requireOwnProcess("kill -9");
        killTree();
    }

    private void killTree() {
        if (process == null) {
            return;
        }
        List<ProcessHandle> children = new ArrayList<>();
        process.descendants().forEach(children::add);
        process.destroyForcibly(); // SIGKILL on Linux
        children.forEach(ProcessHandle::destroyForcibly);
        try {
            process.waitFor(30, TimeUnit.SECONDS);
            for (ProcessHandle c : children) {
                c.onExit().get(30, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            // best effort
        }
        LIVE.remove(this);
    }

    /**
     * Starts a new server process on the same data dir (after stop() or kill9(); stops a still
     * running one with SIGTERM first). Keeps the port when it is free again, so URLs stay valid;
     * callers should still re-read hostPort()/baseUrl().
     */
    void restart() {
        requireOwnProcess("restart");
        if (process != null && process.isAlive()) {
            stop();
        }
        if (!portIsFree(port, Duration.ofSeconds(15))) {
            port = freePort();
        }
        launch();
    }

    /** {@link #restart()} with other {@code serve} options (e.g. a new set of storage nodes). */
    void restart(List<String> newServeArgs) {
        serveArgs = List.copyOf(newServeArgs);
        restart();
    }

    @Override
    public void close() {
        if (!external) {
            terminateQuietly();
            RECENT.remove(this);
        }
    }

    private void terminateQuietly() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    killTree();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                killTree();
            }
        }
        LIVE.remove(this);
    }

    /** Log tails of the most recently launched servers (for failure messages). */
    static String recentLogTails() {
        StringBuilder b = new StringBuilder();
        for (StrataProcess p : RECENT) {
            b.append(p).append(p.process != null && !p.process.isAlive() ? " (exited " + p.process.exitValue() + ")" : "")
                    .append('\n').append(p.logTail()).append('\n');
        }
        return b.toString();
    }

    /** A port nothing listens on, below the ephemeral range ({@link dev.strata.cli.InJvmCluster#freePort}). */
    static int freePort() {
        try {
            return dev.strata.cli.InJvmCluster.freePort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean portIsFree(int port, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        do {
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                return true;
            } catch (IOException e) {
                sleep(200);
            }
        } while (System.nanoTime() < deadline);
        return false;
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "StrataProcess[" + name + (external ? ", external " : ", ") + hostPort + (rados ? ", rados" : "") + "]";
    }
}
