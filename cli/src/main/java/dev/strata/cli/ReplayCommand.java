package dev.strata.cli;

import dev.strata.core.events.Event;
import dev.strata.core.log.LogConfig;
import dev.strata.core.log.Projection;
import dev.strata.core.log.Replay;
import dev.strata.core.spi.KvStore;
import dev.strata.gc.GcService;
import dev.strata.manifest.ManifestServiceImpl;
import dev.strata.storage.RocksKvStore;
import dev.strata.upload.UploadServiceImpl;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code strata replay --projection index|uploads|gc --into DIR [--data DIR] [--bootstrap HOST:PORT]}:
 * rebuilds a projection from offset 0 into a fresh directory, up to the offsets the live
 * projection reflects, and proves the two equal by checksum. Works on a running server (it reads
 * the live store read-only and the log through the owner's broker, {@link DataLog}) and on a
 * stopped one (it takes the data directory's lock and starts the embedded broker). Only a
 * complete replay is compared: any error is one line on stderr and exit 1.
 */
final class ReplayCommand {
    static final String USAGE = """
            usage: strata replay --projection index|uploads|gc|quota --into DIR [--data DIR] [--bootstrap HOST:PORT]
              rebuilds the projection from the event log into DIR and compares it with the live one
            """;

    /** A projection that can be replayed: its live directory under DATA/meta, topics and apply function. */
    record Spec(String dir, List<Event.Topic> topics, java.util.function.Function<KvStore, Projection.Handler> handler,
                java.util.function.BiConsumer<KvStore, KvStore> prepare) {
        Spec(String dir, List<Event.Topic> topics, Projection.Handler handler) {
            this(dir, topics, live -> handler, (live, fresh) -> { });
        }
    }

    static Spec spec(String name) {
        return switch (name) {
            case "index" -> new Spec("repositories", ManifestServiceImpl.TOPICS, ManifestServiceImpl::apply);
            case "uploads" -> new Spec("uploads", UploadServiceImpl.TOPICS, UploadServiceImpl::apply);
            // quotas and usage live in the gc projection, built with the live store's namespace prefixes
            case "gc", "quota" -> new Spec("gc", GcService.TOPICS, live -> GcService.handler(GcService.namespacesOf(live)),
                    GcService::prepareReplay);
            default -> null;
        };
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ReplayCommand.class);

    private ReplayCommand() {}

    static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        String projection = null;
        Path into = null;
        Path data = Path.of("data");
        String bootstrap = null;
        for (int i = 1; i < args.length; i++) {
            if (i + 1 >= args.length) {
                err.println("strata replay: " + args[i] + " needs a value");
                return 2;
            }
            switch (args[i]) {
                case "--projection" -> projection = args[++i];
                case "--into" -> into = Path.of(args[++i]);
                case "--data" -> data = Path.of(args[++i]).toAbsolutePath().normalize();
                case "--bootstrap" -> bootstrap = args[++i];
                default -> {
                    err.println("strata replay: unknown option " + args[i]);
                    err.print(USAGE);
                    return 2;
                }
            }
        }
        Spec spec = projection == null ? null : spec(projection);
        if (spec == null || into == null) {
            err.print(USAGE);
            return 2;
        }
        if (Files.exists(into)) {
            try (var list = Files.list(into)) {
                if (list.findAny().isPresent()) {
                    err.println("strata replay: " + into + " is not empty; replay needs a fresh directory");
                    return 2;
                }
            }
        }
        Path live = data.resolve("meta").resolve(spec.dir());
        if (!Files.isDirectory(live)) {
            err.println("strata replay: no live projection at " + live);
            return 2;
        }
        try (DataLog log = bootstrap == null ? DataLog.open(data, "strata replay", err) : null) {
            return replay(new LogConfig(log == null ? bootstrap : log.bootstrapServers(), "strata.", 1, (short) 1),
                    projection, spec, live, into, out, err);
        } catch (DataLock.InUse e) {
            err.println("strata replay: " + e.getMessage());
            return 1;
        } catch (Exception e) {
            // the replay is incomplete: never compared, never "equal"
            LOG.debug("replay failed", e);
            err.println();
            err.println("strata replay: failed, nothing compared: " + describe(e));
            return 1;
        }
    }

    private static int replay(LogConfig log, String projection, Spec spec, Path live, Path into, PrintStream out, PrintStream err) {
        try (RocksKvStore liveStore = RocksKvStore.openReadOnly(live); RocksKvStore fresh = new RocksKvStore(into)) {
            var targets = Projection.storedOffsets(liveStore);
            spec.prepare().accept(liveStore, fresh);
            var threads = java.lang.management.ManagementFactory.getThreadMXBean();
            long cpu0 = threads.getCurrentThreadCpuTime();
            long n = Replay.run(log, spec.topics(), targets, fresh, spec.handler().apply(liveStore), Duration.ofSeconds(60),
                    (applied, total, rate) -> err.printf("\rreplay %s: %d/%d events, %.0f events/s, ETA %.0f s   ",
                            projection, applied, total, rate, rate > 0 ? (total - applied) / rate : 0));
            err.println();
            String a = Replay.checksum(liveStore);
            String b = Replay.checksum(fresh);
            double cpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1e9;
            out.println("events replayed: " + n);
            // CPU time of the replaying thread (poll, decode, apply, write): a rate that other load on the machine does not skew
            out.printf("replay thread CPU: %.2f s, %.0f events per CPU second%n", cpu, n / Math.max(cpu, 1e-9));
            out.println("live     " + a);
            out.println("replayed " + b);
            if (!a.equals(b)) {
                out.println("MISMATCH: the replayed projection differs from the live one");
                return 1;
            }
            out.println("equal");
            return 0;
        }
    }

    /** One line for an error: its message and its causes' ({@code KafkaException: ...: CorruptRecordException: ...}). */
    static String describe(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage();
            if (m != null && b.indexOf(m) >= 0) continue; // wrappers often repeat their cause's message
            if (b.length() > 0) b.append(": ");
            b.append(t.getClass().getSimpleName());
            if (m != null) b.append(": ").append(m.replace('\n', ' '));
        }
        return b.toString();
    }
}
