package dev.strata.cli;

import dev.strata.core.rpc.InternalTls;
import dev.strata.core.events.Event;
import dev.strata.core.log.LogConfig;
import dev.strata.core.log.Replay;
import dev.strata.core.spi.ChunkStore;
import dev.strata.core.spi.ChunkStores;
import dev.strata.storage.PlacedChunkStore;
import dev.strata.storage.PlacementConfig;
import dev.strata.storage.RocksKvStore;
import dev.strata.storage.Scrubber;
import dev.strata.manifest.ManifestServiceImpl;
import dev.strata.upload.UploadServiceImpl;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code strata fsck --storage-nodes ID=URL,... [--replicas R] [--data DIR | --bootstrap HOST:PORT]}:
 * rebuilds the blob index and the manifests from the event log (from offset 0), then checks every
 * chunk of every committed blob and every manifest: R copies on its nodes, each of the recorded
 * size and CRC32C (manifests: size only; no checksum is recorded for them).
 * Missing and corrupt copies are rewritten from a good one. Progress once a second, a summary at the
 * end. {@code --all-chunks} instead walks every chunk found on the nodes and only re-replicates
 * (no checksums: a chunk found on a node has no recorded one). Exit 0 when everything is (now) in
 * order, 1 when something could not be repaired, 2 on bad options.
 */
final class FsckCommand {
    static final String USAGE = """
            usage: strata fsck --storage-nodes ID=http://HOST:PORT,... [--replicas R] [--data DIR | --bootstrap HOST:PORT]
                               [--rate MIB_PER_S] [--all-chunks] [--ca CA_PEM]
              fsck          check every committed blob's chunks (R copies, size, CRC32C; R default 2) and repair them;
                            the blob list comes from the event log of the server on --data (default ./data) or at --bootstrap;
                            --ca: the CA certificate that signs https:// storage nodes' certificates
            """;

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FsckCommand.class);

    private FsckCommand() {}

    /** Parsed options. */
    record Options(PlacementConfig placement, Path data, String bootstrap, long bytesPerSecond, boolean allChunks, InternalTls tls) {}

    static Options options(String[] args) {
        Map<String, String> o = new LinkedHashMap<>();
        boolean allChunks = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--all-chunks")) {
                allChunks = true;
                continue;
            }
            int eq = a.indexOf('=');
            String name = a.startsWith("--") && eq > 0 ? a.substring(0, eq) : a;
            if (!List.of("--storage-nodes", "--replicas", "--data", "--bootstrap", "--rate", "--ca").contains(name)) {
                throw new IllegalArgumentException("unknown option '" + a + "'");
            }
            String value;
            if (a.startsWith("--") && eq > 0) value = a.substring(eq + 1);
            else if (i + 1 < args.length) value = args[++i];
            else throw new IllegalArgumentException(name + " needs a value");
            if (o.put(name, value) != null) throw new IllegalArgumentException(name + " given twice");
        }
        String spec = o.get("--storage-nodes");
        if (spec == null) throw new IllegalArgumentException("--storage-nodes is required");
        if (o.containsKey("--data") && o.containsKey("--bootstrap")) throw new IllegalArgumentException("--data and --bootstrap exclude each other");
        var nodes = PlacementConfig.parseNodes(spec);
        InternalTls tls = o.containsKey("--ca") ? new InternalTls(null, null, Path.of(o.get("--ca"))) : null;
        nodes.forEach((id, url) -> InternalTls.checkUrl("--storage-nodes " + id, url, tls));
        int r = number(o, "--replicas", Math.min(2, nodes.size()));
        long rate = (long) number(o, "--rate", 0) << 20;
        if (rate < 0) throw new IllegalArgumentException("--rate must be >= 0");
        return new Options(new PlacementConfig(nodes, r, 1), Path.of(o.getOrDefault("--data", "data")).toAbsolutePath(),
                o.get("--bootstrap"), rate, allChunks, tls);
    }

    private static int number(Map<String, String> o, String name, int dflt) {
        String v = o.get(name);
        if (v == null) return dflt;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, got '" + v + "'");
        }
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws IOException, InterruptedException {
        Options o;
        try {
            o = options(args);
        } catch (IllegalArgumentException e) {
            err.println("strata fsck: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        try (PlacedChunkStore placed = o.placement().open(Duration.ofSeconds(30), o.tls() == null ? null : o.tls().client())) {
            out.println("fsck: " + o.placement().nodes().size() + " storage nodes, " + o.placement().replicas() + " copies each");
            return o.allChunks() ? allChunks(placed, out) : committed(o, ChunkStores.decorate(placed), out, err);
        }
    }

    /** Every chunk found on the nodes: re-replication only. */
    private static int allChunks(PlacedChunkStore store, PrintStream out) {
        PlacedChunkStore.ScrubSummary s = store.scrub(done -> {
            if (done % 100 == 0) out.println("fsck: " + done + " chunks checked");
        });
        out.println("fsck: done: " + s.chunks() + " chunks checked, " + s.copiesMade() + " copies made, " + s.failed()
                + " failed" + (s.deadNodes().isEmpty() ? "" : ", nodes not answering: " + String.join(", ", s.deadNodes())));
        return s.failed() == 0 ? 0 : 1;
    }

    /** Every committed blob of the log. */
    private static int committed(Options o, ChunkStore store, PrintStream out, PrintStream err) throws IOException, InterruptedException {
        if (o.bootstrap() == null && !Files.isDirectory(o.data().resolve("kafka"))) {
            err.println("strata fsck: no event log at " + o.data() + "; give --data DIR or --bootstrap HOST:PORT (or --all-chunks)");
            return 2;
        }
        Path tmp = Files.createTempDirectory("strata-fsck-");
        try (DataLog dataLog = o.bootstrap() == null ? DataLog.open(o.data(), "strata fsck", err) : null) {
            try (RocksKvStore index = new RocksKvStore(tmp.resolve("blobs"));
                 RocksKvStore repositories = new RocksKvStore(tmp.resolve("repositories"))) {
                LogConfig log = new LogConfig(dataLog == null ? o.bootstrap() : dataLog.bootstrapServers(), "strata.", 1, (short) 1);
                long events = Replay.run(log, List.of(Event.Topic.BLOBS), null, index, UploadServiceImpl::apply, Duration.ofSeconds(60),
                        (applied, total, rate) -> { });
                long repoEvents = Replay.run(log, ManifestServiceImpl.TOPICS, null, repositories, ManifestServiceImpl::apply,
                        Duration.ofSeconds(60), (applied, total, rate) -> { });
                out.println("fsck: blob index rebuilt from " + events + " events, manifests from " + repoEvents);
                long[] lastReport = {System.nanoTime()};
                Scrubber.Summary s = Scrubber.run(store, List.of(
                                Scrubber.Source.fixed(visitor -> UploadServiceImpl.forEachBlob(index, visitor)),
                                Scrubber.Source.fixed(visitor -> ManifestServiceImpl.forEachManifestChunk(repositories, visitor))),
                        true, o.bytesPerSecond(),
                        (blobs, chunks, bytes) -> {
                            long now = System.nanoTime();
                            if (now - lastReport[0] >= 1_000_000_000L) {
                                out.printf("fsck: %d blobs, %d chunks, %d MiB checked%n", blobs, chunks, bytes >> 20);
                                lastReport[0] = now;
                            }
                        }, () -> true);
                for (String p : s.problems()) out.println("fsck: " + p);
                out.println("fsck: done: " + s);
                return s.ok() ? 0 : 1;
            }
        } catch (DataLock.InUse e) {
            err.println("strata fsck: " + e.getMessage());
            return 1;
        } catch (IOException | RuntimeException e) {
            // e.g. a log it cannot read to its end: fsck stops rather than check against an incomplete blob list
            LOG.debug("fsck failed", e);
            err.println("strata fsck: failed: " + ReplayCommand.describe(e));
            return 1;
        } finally {
            deleteTree(tmp);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
