package dev.strata.cli.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One data directory, one owner, with real processes: a second {@code serve} on a directory a live
 * server owns fails at once with one line and changes no file; {@code replay} and {@code fsck}
 * while a server runs read its broker (or refuse) and never start their own, and the server keeps
 * serving; a replay or fsck of a log it cannot read to the end fails, never "equal".
 */
@ExtendWith(ServerLogOnFailure.class)
class DataDirOwnerE2ETest {
    private static Process storageNode;
    private static String nodes;

    @BeforeAll
    static void startStorageNode() throws Exception {
        if (StrataProcess.externalRegistry() != null) return;
        Path dir = E2E.freshDir("owner-node");
        int port = StrataProcess.freePort();
        Path config = Files.writeString(dir.resolve("n0.yaml"), "listen: 127.0.0.1:" + port + "\nnodeId: n0\ndata: n0\n");
        Path log = dir.resolve("n0.log");
        storageNode = new ProcessBuilder(java("storage-node", "--config", config.toString()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(log).contains("storage-node ready")) {
            if (!storageNode.isAlive() || System.nanoTime() > deadline) fail("storage node did not start:\n" + Files.readString(log));
            Thread.sleep(100);
        }
        nodes = "n0=http://127.0.0.1:" + port;
    }

    @AfterAll
    static void stopStorageNode() throws InterruptedException {
        if (storageNode != null) {
            storageNode.destroy();
            storageNode.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @BeforeEach
    void onlyWithALaunchedServer() {
        StrataProcess.assumeLaunchable("DataDirOwnerE2ETest (a second process on the same data directory)");
    }

    private static StrataProcess serve(String name) {
        return StrataProcess.startWith(name, List.of("--storage", "nodes", "--storage-nodes", nodes, "--replicas", "1"));
    }

    /** A command's exit code and its two output streams. */
    record Run(int rc, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }

        String all() {
            return "exit " + rc + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }

        /** Failed (exit 1) with one line naming why on stderr, no stack trace, and nothing on stdout claiming success. */
        void assertFailedWith(String line) {
            assertEquals(1, rc, all());
            assertTrue(err.lines().anyMatch(l -> l.startsWith(line)), "a line starting '" + line + "':\n" + all());
            assertFalse(err.lines().anyMatch(l -> l.startsWith("\tat ") || l.startsWith("Caused by")), "no stack trace:\n" + all());
            assertFalse(out.contains("equal"), all());
        }
    }

    private static List<String> java(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), StrataProcess.MAIN_CLASS));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs {@code strata ARGS} as its own process (at most 180 s). */
    private static Run strata(String... args) throws Exception {
        Path dir = E2E.freshDir("owner-run");
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        Process p = new ProcessBuilder(java(args)).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            fail("strata " + String.join(" ", args) + " did not finish within 180 s:\n" + Files.readString(err));
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err).replace('\r', '\n'));
    }

    /** SHA-256 of every file under {@code dir} but the lock file, by relative path. */
    private static Map<String, String> checksums(Path dir) throws IOException {
        Map<String, String> sums = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String name = dir.relativize(f).toString();
                if (!name.equals(".lock")) sums.put(name, E2E.digest(f));
            }
        }
        return sums;
    }

    private static void signal(String signal, long pid) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start().waitFor());
    }

    private static byte[] push(StrataProcess server, String repo, String tag) {
        byte[] config = ("{\"token\":\"" + E2E.token() + "\"}").getBytes(StandardCharsets.UTF_8);
        return new RegistryClient(server).pushImage(repo, tag, config, E2E.randomBytes(70_000), E2E.randomBytes(3_000));
    }

    /** The server still takes a push and serves what it had. */
    private static void assertServes(StrataProcess server, String repo, byte[] manifest) {
        assertTrue(server.isAlive(), server.logTail());
        RegistryClient c = new RegistryClient(server);
        assertArrayEquals(manifest, c.manifestBytes(repo, "v1", E2E.digest(manifest)));
        byte[] again = push(server, repo, "after-" + E2E.token());
        assertArrayEquals(again, c.manifestBytes(repo, E2E.digest(again), E2E.digest(again)));
    }

    @Test
    void aSecondServeOnALiveDataDirectoryFailsAtOnceAndChangesNothing() throws Exception {
        try (StrataProcess first = serve("owner-first")) {
            String repo = "e2e/owner-" + E2E.token();
            byte[] manifest = push(first, repo, "v1");
            Path dir = first.dataDir();
            long pid = first.process().pid();
            // the first server stopped (SIGSTOP) keeps its lock and writes nothing meanwhile: any change is the second's
            signal("STOP", pid);
            Run second;
            Map<String, String> before;
            try {
                before = checksums(dir);
                second = strata("serve", "--addr", "127.0.0.1:" + StrataProcess.freePort(), "--data", dir.toString());
                assertEquals(before, checksums(dir), "the second serve changed files:\n" + second.all());
            } finally {
                signal("CONT", pid);
            }
            second.assertFailedWith("strata serve: cannot start: data directory " + dir + " is in use by pid " + pid + " (strata serve)");
            assertEquals(List.of("strata serve: cannot start: data directory " + dir + " is in use by pid " + pid
                    + " (strata serve); one process at a time owns a data directory"), second.errLines(), second.all());
            assertServes(first, repo, manifest);
        }
    }

    @Test
    void replayAndFsckWhileServeRunsUseItsBrokerOrRefuse() throws Exception {
        try (StrataProcess server = serve("owner-tools")) {
            String repo = "e2e/owner-" + E2E.token();
            byte[] manifest = push(server, repo, "v1");
            Path dir = server.dataDir();
            Path ports = dir.resolve("kafka/ports.properties");
            String portsBefore = Files.readString(ports);
            String using = " is in use by pid " + server.process().pid() + " (strata serve); reading the log through its broker at 127.0.0.1:";

            Run replay = strata("replay", "--projection", "index", "--data", dir.toString(), "--into", E2E.freshDir("owner-replay").toString());
            assertEquals(0, replay.rc(), replay.all());
            assertTrue(replay.out().contains("equal"), replay.all());
            assertTrue(replay.err().contains("strata replay: " + dir + using), replay.all());
            Run fsck = strata("fsck", "--storage-nodes", nodes, "--replicas", "1", "--data", dir.toString());
            assertEquals(0, fsck.rc(), fsck.all());
            assertTrue(fsck.out().contains("0 chunks damaged"), fsck.all());
            assertTrue(fsck.err().contains("strata fsck: " + dir + using), fsck.all());
            assertEquals(portsBefore, Files.readString(ports));
            assertServes(server, repo, manifest);

            // the owner's broker cannot be found (its port file gone, and Kafka's own lock file with it): they refuse
            Path moved = Files.move(ports, dir.resolve("ports.properties.moved"));
            Files.deleteIfExists(dir.resolve("kafka/logs/.lock"));
            try {
                String refused = "data directory " + dir + " is in use by pid " + server.process().pid()
                        + " (strata serve), and its broker does not answer";
                strata("replay", "--projection", "index", "--data", dir.toString(), "--into", E2E.freshDir("owner-replay").toString())
                        .assertFailedWith("strata replay: " + refused);
                strata("fsck", "--storage-nodes", nodes, "--replicas", "1", "--data", dir.toString())
                        .assertFailedWith("strata fsck: " + refused);
                assertFalse(Files.exists(ports), "nobody wrote a new port file");
            } finally {
                Files.move(moved, ports);
            }
            assertServes(server, repo, manifest);
        }
    }

    @Test
    void replayAndFsckOfALogTheyCannotReadToTheEndFail() throws Exception {
        Path dir;
        try (StrataProcess server = serve("owner-corrupt")) {
            String repo = "e2e/owner-" + E2E.token();
            push(server, repo, "v1");
            push(server, repo, "v2");
            server.stop();
            dir = server.dataDir();
        }
        Run intact = strata("replay", "--projection", "index", "--data", dir.toString(), "--into", E2E.freshDir("owner-replay").toString());
        assertEquals(0, intact.rc(), intact.all());
        assertTrue(intact.out().contains("equal"), intact.all());

        // a record's bytes changed: the consumer's CRC check fails
        Path crc = copyWithDamage(dir, "crc", 100);
        strata("replay", "--projection", "index", "--data", crc.toString(), "--into", E2E.freshDir("owner-replay").toString())
                .assertFailedWith("strata replay: failed, nothing compared: KafkaException");
        strata("fsck", "--storage-nodes", nodes, "--replicas", "1", "--data", crc.toString())
                .assertFailedWith("strata fsck: failed: KafkaException");

        // the second batch's base offset changed (not covered by the CRC): the consumer skips the record without a word
        Path gap = copyWithDamage(dir, "offset", -1);
        strata("replay", "--projection", "index", "--data", gap.toString(), "--into", E2E.freshDir("owner-replay").toString())
                .assertFailedWith("strata replay: failed, nothing compared: IllegalStateException: the log of strata.repositories-");
    }

    /**
     * A copy of a stopped server's data directory with 8 bytes of its largest repositories segment
     * overwritten: at {@code at}, or (-1) the base offset of the segment's second batch.
     */
    private static Path copyWithDamage(Path dir, String name, long at) throws IOException {
        Path copy = E2E.freshDir("owner-" + name);
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.toList()) {
                Path to = copy.resolve(dir.relativize(f).toString());
                if (Files.isDirectory(f)) Files.createDirectories(to);
                else if (!f.getFileName().toString().equals(".lock")) Files.copy(f, to, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Path segment;
        try (Stream<Path> files = Files.walk(copy.resolve("kafka/logs"))) {
            segment = files.filter(f -> f.getParent().getFileName().toString().startsWith("strata.repositories-") && f.toString().endsWith(".log"))
                    .max(java.util.Comparator.comparingLong(f -> f.toFile().length())).orElseThrow();
        }
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
            if (at < 0) {
                f.seek(8); // a batch: base offset (8 bytes), then its length (4 bytes) counted from after the length
                at = 12 + f.readInt();
            }
            assertTrue(f.length() > at + 8, segment + " is long enough: " + f.length());
            f.seek(at);
            f.writeLong(-16); // as a base offset: a batch before the one the consumer wants, so it skips it
        }
        return copy;
    }
}
