package dev.strata.cli.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Assumptions;

/**
 * Runs the real OCI clients (skopeo, podman, buildah, umoci, jq) with a bounded timeout and
 * captured output. podman and buildah get private storage under target/ (driver vfs, runtime runc,
 * cgroupfs, file events) so the tests never touch /var/lib/containers; skopeo/podman/buildah talk
 * plain HTTP to 127.0.0.1 through --tls-verify=false (callers pass it) and a private
 * registries.conf / auth file.
 */
final class Tools {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(180);
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static Tools instance;

    private final Path home;
    private final Path logs;
    private final Path graphRoot;
    private final Path runRoot;
    private final Map<String, String> env;

    /** Result of one finished command. */
    static final class Result {
        final List<String> command;
        final int exitCode;
        final String stdout;
        final String stderr;

        Result(List<String> command, int exitCode, String stdout, String stderr) {
            this.command = command;
            this.exitCode = exitCode;
            this.stdout = stdout;
            this.stderr = stderr;
        }

        String describe() {
            return "command " + String.join(" ", command) + "\nexit code " + exitCode
                    + "\n--- stdout ---\n" + clip(stdout) + "\n--- stderr ---\n" + clip(stderr);
        }

        private static String clip(String s) {
            return s.length() <= 8000 ? s : "...\n" + s.substring(s.length() - 8000);
        }
    }

    /** A command running in the background (e.g. a push that a test interrupts). */
    static final class Background {
        final List<String> command;
        final Process process;
        final Path out;
        final Path err;

        Background(List<String> command, Process process, Path out, Path err) {
            this.command = command;
            this.process = process;
            this.out = out;
            this.err = err;
        }

        /** Waits (bounded) and returns the result without judging the exit code. */
        Result await(Duration timeout) throws InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                fail("timed out after " + timeout + ": " + String.join(" ", command)
                        + "\n--- stdout ---\n" + E2E.tail(out, 8000) + "\n--- stderr ---\n" + E2E.tail(err, 8000));
            }
            return new Result(command, process.exitValue(), E2E.tail(out, 1 << 20), E2E.tail(err, 1 << 20));
        }
    }

    static synchronized Tools get() {
        if (instance == null) {
            instance = new Tools();
        }
        return instance;
    }

    private Tools() {
        try {
            home = E2E.targetDir().resolve("e2e").resolve("containers-" + ProcessHandle.current().pid());
            E2E.rmrf(home);
            logs = home.resolve("logs");
            graphRoot = home.resolve("storage");
            runRoot = home.resolve("run");
            Path tmp = home.resolve("tmp");
            for (Path p : List.of(logs, graphRoot, runRoot, tmp)) {
                Files.createDirectories(p);
            }
            Path storageConf = home.resolve("storage.conf");
            Files.writeString(storageConf, "[storage]\n"
                    + "driver = \"vfs\"\n"
                    + "runroot = \"" + runRoot + "\"\n"
                    + "graphroot = \"" + graphRoot + "\"\n");
            Path containersConf = home.resolve("containers.conf");
            Files.writeString(containersConf, "[containers]\n"
                    + "default_ulimits = [\"nofile=20000:20000\", \"nproc=32768:32768\"]\n"
                    + "[engine]\n"
                    + "runtime = \"runc\"\n"
                    + "cgroup_manager = \"cgroupfs\"\n"
                    + "events_logger = \"file\"\n"
                    + "events_logfile_path = \"" + home.resolve("events.log") + "\"\n"
                    + "tmp_dir = \"" + home.resolve("libpod-tmp") + "\"\n"
                    + "image_copy_tmp_dir = \"" + tmp + "\"\n");
            Path registriesConf = home.resolve("registries.conf");
            Files.writeString(registriesConf, "unqualified-search-registries = []\n"
                    + "short-name-mode = \"permissive\"\n"
                    + "[[registry]]\n"
                    + "location = \"127.0.0.1\"\n"
                    + "insecure = true\n");
            Path authFile = home.resolve("auth.json");
            Files.writeString(authFile, "{}\n");
            env = Map.of(
                    "CONTAINERS_STORAGE_CONF", storageConf.toString(),
                    "CONTAINERS_CONF", containersConf.toString(),
                    "CONTAINERS_REGISTRIES_CONF", registriesConf.toString(),
                    "REGISTRY_AUTH_FILE", authFile.toString(),
                    "TMPDIR", tmp.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path home() {
        return home;
    }

    /** Fails (or, only when testing against an external registry, skips) if a tool is missing. */
    static void require(String... tools) {
        for (String tool : tools) {
            if (findOnPath(tool) == null) {
                String msg = "'" + tool + "' is not installed (not on PATH). Run bin/test, which installs "
                        + "skopeo, podman, buildah, umoci, runc, uidmap, jq and curl with apt-get.";
                if (StrataProcess.externalRegistry() != null) {
                    Assumptions.abort(msg + " (skipping because -D" + StrataProcess.EXTERNAL_PROPERTY + " is set)");
                }
                fail(msg);
            }
        }
    }

    static Path findOnPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : (path + ":/usr/sbin:/sbin").split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    Result skopeo(String... args) {
        return run(DEFAULT_TIMEOUT, prepend("skopeo", args));
    }

    Result podman(String... args) {
        return run(DEFAULT_TIMEOUT, prepend("podman", args));
    }

    Result buildah(String... args) {
        return run(DEFAULT_TIMEOUT, prepend("buildah", args));
    }

    Result umoci(String... args) {
        return run(DEFAULT_TIMEOUT, prepend("umoci", args));
    }

    private static List<String> prepend(String tool, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(tool);
        cmd.addAll(Arrays.asList(args));
        return cmd;
    }

    /** Runs a command; fails the test with its output on a non-zero exit or a timeout. */
    Result run(Duration timeout, List<String> command) {
        Result r = runAllowingFailure(timeout, command);
        if (r.exitCode != 0) {
            fail("command failed: " + r.describe());
        }
        return r;
    }

    /** Runs a command and returns its result whatever the exit code (still fails on timeout). */
    Result runAllowingFailure(Duration timeout, List<String> command) {
        require(command.get(0));
        try {
            return start(command).await(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    Background start(List<String> command) {
        require(command.get(0));
        int n = SEQ.incrementAndGet();
        String base = String.format("%04d-%s", n, Path.of(command.get(0)).getFileName());
        Path out = logs.resolve(base + ".out");
        Path err = logs.resolve(base + ".err");
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().putAll(env);
        try {
            Files.writeString(logs.resolve(base + ".cmd"), String.join(" ", command) + "\n", StandardCharsets.UTF_8);
            return new Background(List.copyOf(command), pb.start(), out, err);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /** Deletes the private podman/buildah storage (vfs keeps nothing mounted). */
    void resetContainerStorage() {
        try {
            // Remove buildah working containers first so nothing in the store is left mounted.
            if (findOnPath("buildah") != null) {
                runAllowingFailure(Duration.ofSeconds(60), List.of("buildah", "rm", "--all"));
            }
            if (findOnPath("podman") != null) {
                runAllowingFailure(Duration.ofSeconds(60), List.of("podman", "rmi", "--all", "--force"));
            }
            E2E.rmrf(graphRoot);
            E2E.rmrf(runRoot);
            Files.createDirectories(graphRoot);
            Files.createDirectories(runRoot);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
