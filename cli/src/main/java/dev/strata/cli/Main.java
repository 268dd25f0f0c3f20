package dev.strata.cli;

import dev.strata.storage.PlacementConfig;
import dev.strata.storage.RadosConfig;
import dev.strata.storage.ScrubConfig;
import dev.strata.gc.GcConfig;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** The {@code strata} command. */
public final class Main {
    private Main() {}

    static final String USAGE = """
            usage: strata serve [--addr HOST:PORT] [--data DIR] [--gc-grace 1h] [--gc-interval 5m] [--untagged-retention D]
                                [--time-machine 14d] [--delete-referrers true|false] [--namespace-prefixes P,...]
                                [--storage rocksdb|files|rados|nodes] [--fsync] [--kafka-timeout 5s]
                                [--ceph-conf FILE] [--ceph-pool POOL] [--ceph-namespace NS] [--auth FILE]
                                [--tls-cert FILE --tls-key FILE] [limits]
                   strata tag history|restore NAME:TAG ...
                   strata replay --projection index|uploads|gc --into DIR [--data DIR]
                   strata gc [--dry-run] [--registry HOST:PORT]
                   strata quota set|get|remove NAMESPACE [SIZE] [--registry HOST:PORT]
                   strata inspect NAME:REF [--history|--ls PATH|--cat PATH|--diff REF] ...
              serve   run the whole registry in one JVM: embedded Kafka, chunk storage, all services
                      --addr            where the gateway listens (default 127.0.0.1:5000)
                      --data            data directory (default ./data)
                      --gc-grace        how long a blob stays unreferenced before GC takes it (default 1h)
                      --gc-interval     pause between online GC passes, 0 for none (default 5m)
                      --untagged-retention  delete untagged manifests this long after they lost their
                                        last tag (default: keep forever)
                      --time-machine    keep manifests a tag pointed at within this window (default 14d)
                      --delete-referrers  deleting a manifest deletes its referrers too (default true)
                      --namespace-prefixes  repository prefixes that are quota namespaces (org/team,...)
                      --storage         where blob chunks go: rocksdb (DATA/storage, the default),
                                        files (one file per chunk under DATA/files),
                                        rados (a Ceph pool; needs --ceph-conf) or nodes (see below)
                      --fsync           acknowledge a write only once it is on stable storage (survives
                                        a power loss): synced RocksDB WAL or fdatasync'd chunk files, and
                                        the embedded broker flushes every event (default off: writes
                                        survive kill -9, not a power loss; docs/operations.md)
                      --kafka-timeout   how long a request waits on the event log before it answers 503
                                        (default 5s; 500ms up to less than 30s)
                      --ceph-conf       the cluster's ceph.conf (e.g. printed by deploy/ceph/start.sh)
                      --ceph-pool       the RADOS pool (default strata; must exist)
                      --ceph-namespace  RADOS namespace inside the pool (default: none)
                      --storage nodes --storage-nodes ID=http://HOST:PORT,...  [--replicas R] [--write-quorum W]
                                        chunks on storage nodes (strata storage-node), R copies each by
                                        rendezvous hashing (default R=2), acknowledged after W (default R)
                      --scrub-interval  pause between online scrubs of every committed blob's chunks, 0 for
                                        none (default 24h with --storage nodes, else 0)
                      --scrub-rate      read rate of a scrub in MiB/s (default 32; 0 unlimited)
                      --auth            token auth with the users and rules of this file (docs/security.md)
                      --tls-cert, --tls-key  serve HTTPS with this PEM certificate (chain) and key
                      limits (docs/configuration.md): --idle-timeout S, --request-head-timeout S,
                      --max-uploads-per-client N, --rate-limit PER_SECOND[:BURST], --upload-session-lifetime S
              tag     list a tag's history, or point it back (see strata tag --help)
              replay  rebuild a projection from the event log and prove it equals the live one
              gc      run a garbage-collection pass on a running registry now (--dry-run: list only)
              quota   set, show or remove a namespace's storage quota (e.g. quota set team-a 50GiB)
              inspect look inside an image: layer history, merged filesystem, files, diffs (see strata inspect --help)
            """ + StorageNodeCommand.USAGE.replace("usage: ", "       ") + ServiceCommand.USAGE.replace("usage: ", "       ")
            + KafkaCommand.USAGE.replace("usage: ", "       ") + FsckCommand.USAGE.replace("usage: ", "       ")
            + AdminCommands.USAGE;

    /** Options of {@code serve} without a value: {@code --fsync} is {@code --fsync=true}; {@code --fsync=false} is accepted too. */
    private static final java.util.Set<String> SERVE_FLAGS = java.util.Set.of("--fsync");
    private static final java.util.Set<String> SERVE_OPTIONS;

    static {
        java.util.Set<String> names = new java.util.HashSet<>(java.util.Set.of("--addr", "--data", "--gc-grace", "--gc-interval",
                "--storage", "--ceph-conf", "--ceph-pool", "--ceph-namespace", "--storage-nodes", "--replicas", "--write-quorum",
                "--untagged-retention", "--time-machine", "--delete-referrers", "--namespace-prefixes",
                "--scrub-interval", "--scrub-rate", "--kafka-timeout"));
        names.addAll(ServeOptions.NAMES); // auth, TLS and limits
        names.addAll(SERVE_FLAGS);
        SERVE_OPTIONS = java.util.Set.copyOf(names);
    }

    /** The options of {@code serve} ({@code --opt VALUE} or {@code --opt=VALUE}) by name; bad input is an IllegalArgumentException. */
    static java.util.Map<String, String> serveOptions(String[] args) {
        java.util.Map<String, String> opts = new java.util.HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            int eq = a.indexOf('=');
            String name = eq > 0 ? a.substring(0, eq) : a;
            if (!SERVE_OPTIONS.contains(name)) throw new IllegalArgumentException("unknown option '" + a + "'");
            if (SERVE_FLAGS.contains(name)) {
                String v = eq > 0 ? a.substring(eq + 1) : "true";
                if (!v.equals("true") && !v.equals("false")) throw new IllegalArgumentException(name + " takes no value (or =true, =false), got " + a);
                if (opts.put(name, v) != null) throw new IllegalArgumentException(name + " given twice");
                continue;
            }
            if (eq < 0 && i + 1 >= args.length) throw new IllegalArgumentException(name + " needs a value");
            if (opts.put(name, eq > 0 ? a.substring(eq + 1) : args[++i]) != null) throw new IllegalArgumentException(name + " given twice");
        }
        return opts;
    }

    /**
     * The GC settings of {@code serve}: --gc-grace (default 1h), --gc-interval (default 5m),
     * --untagged-retention (default: keep), --time-machine (default 14d), --delete-referrers
     * (default true) and --namespace-prefixes (default none).
     */
    static GcConfig gcConfig(String[] args) {
        java.util.Map<String, String> opts = serveOptions(args);
        GcConfig d = GcConfig.defaults();
        String referrers = opts.getOrDefault("--delete-referrers", "true");
        if (!referrers.equals("true") && !referrers.equals("false")) {
            throw new IllegalArgumentException("--delete-referrers must be true or false, got " + referrers);
        }
        java.util.List<String> prefixes = new java.util.ArrayList<>();
        for (String p : opts.getOrDefault("--namespace-prefixes", "").split(",")) if (!p.isBlank()) prefixes.add(p.trim());
        return new GcConfig(duration("--gc-grace", opts.getOrDefault("--gc-grace", "1h")),
                duration("--gc-interval", opts.getOrDefault("--gc-interval", "5m")),
                d.maxDeletesPerPass(), d.uploadExpiry(),
                opts.containsKey("--untagged-retention") ? duration("--untagged-retention", opts.get("--untagged-retention")) : null,
                duration("--time-machine", opts.getOrDefault("--time-machine", "14d")),
                referrers.equals("true"), new dev.strata.core.spi.Namespaces(prefixes));
    }

    /** Parses the storage and address options of {@code serve}; bad input is an IllegalArgumentException. */
    static ServeConfig serveConfig(String[] args) {
        java.util.Map<String, String> opts = serveOptions(args);
        java.util.Map<String, String> security = new java.util.HashMap<>();
        for (String n : ServeOptions.NAMES) if (opts.containsKey(n)) security.put(n, opts.get(n));
        ServeConfig config = ServeOptions.apply(ServeConfig.of(opts.getOrDefault("--addr", "127.0.0.1:5000"),
                Path.of(opts.getOrDefault("--data", "data")).toAbsolutePath().normalize()), security);
        if (opts.containsKey("--scrub-interval") || opts.containsKey("--scrub-rate")) {
            config = config.withScrub(new ScrubConfig(duration("--scrub-interval", opts.getOrDefault("--scrub-interval", "24h")),
                    (long) intOption(opts, "--scrub-rate", (int) (ScrubConfig.DEFAULT_RATE >> 20)) << 20));
        }
        config = config.withFsync(opts.getOrDefault("--fsync", "false").equals("true"));
        if (opts.containsKey("--kafka-timeout")) config = config.withKafkaTimeout(duration("--kafka-timeout", opts.get("--kafka-timeout")));
        String storage = opts.getOrDefault("--storage", "rocksdb");
        if (storage.equals("rados")) {
            String conf = opts.get("--ceph-conf");
            if (conf == null) throw new IllegalArgumentException("--storage rados needs --ceph-conf FILE");
            return config.withRados(RadosConfig.of(Path.of(conf).toAbsolutePath().normalize(),
                    opts.get("--ceph-pool"), opts.getOrDefault("--ceph-namespace", "")));
        }
        for (String o : new String[] {"--ceph-conf", "--ceph-pool", "--ceph-namespace"}) {
            if (opts.containsKey(o)) throw new IllegalArgumentException(o + " needs --storage rados");
        }
        if (storage.equals("nodes")) {
            String spec = opts.get("--storage-nodes");
            if (spec == null) throw new IllegalArgumentException("--storage nodes needs --storage-nodes ID=http://HOST:PORT,...");
            int replicas = intOption(opts, "--replicas", Math.min(2, PlacementConfig.parseNodes(spec).size()));
            return config.withPlacement(new PlacementConfig(PlacementConfig.parseNodes(spec), replicas, intOption(opts, "--write-quorum", replicas)));
        }
        if (!storage.equals("rocksdb") && !storage.equals("files")) {
            throw new IllegalArgumentException("--storage must be rocksdb, files, rados or nodes, got '" + storage + "'");
        }
        for (String o : new String[] {"--storage-nodes", "--replicas", "--write-quorum"}) {
            if (opts.containsKey(o)) throw new IllegalArgumentException(o + " needs --storage nodes");
        }
        return storage.equals("files") ? config.withFiles() : config;
    }

    private static int intOption(java.util.Map<String, String> opts, String name, int defaultValue) {
        String v = opts.get(name);
        if (v == null) return defaultValue;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, got '" + v + "'");
        }
    }

    public static void main(String[] args) throws Exception {
        try {
            LogLayout.json(System.getenv(LogLayout.FORMAT_ENV));
        } catch (IllegalArgumentException e) {
            System.err.println("strata: " + e.getMessage());
            System.exit(2);
        }
        // The JDK HTTP client keeps idle connections 1200 s; the JDK HTTP server (storage nodes,
        // internal APIs) closes them after 30 s. Reusing a connection the server has just closed
        // is where exchanges got lost under load, so the client lets them go first.
        if (System.getProperty("jdk.httpclient.keepalive.timeout") == null) System.setProperty("jdk.httpclient.keepalive.timeout", "10");
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help") || args[0].equals("help")) {
            System.out.print(USAGE);
            return;
        }
        if (args[0].equals("tag")) {
            System.exit(TagCommand.run(args, System.out, System.err));
        }
        if (args[0].equals("quota")) {
            System.exit(QuotaCommand.run(args, System.out, System.err));
        }
        if (args[0].equals("gc")) {
            System.exit(GcCommand.run(args, System.out, System.err));
        }
        if (args[0].equals("replay")) {
            System.exit(ReplayCommand.run(args, System.out, System.err));
        }
        if (args[0].equals("user")) System.exit(AdminCommands.user(args, System.in, System.out, System.err));
        if (args[0].equals("cert")) System.exit(AdminCommands.cert(args, System.err));
        if (args[0].equals("inspect")) {
            System.exit(Inspect.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        }
        if (args[0].equals("fsck")) {
            System.exit(FsckCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        }
        if (ServiceCommand.NAMES.contains(args[0])) {
            ServiceCommand.run(args[0], java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args[0].equals("kafka")) {
            KafkaCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args[0].equals("storage-node")) {
            StorageNodeCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (!args[0].equals("serve")) {
            System.err.println("strata: unknown command '" + args[0] + "'");
            System.err.print(USAGE);
            System.exit(2);
        }
        ServeConfig config;
        GcConfig gc;
        try {
            config = serveConfig(java.util.Arrays.copyOfRange(args, 1, args.length));
            gc = gcConfig(java.util.Arrays.copyOfRange(args, 1, args.length));
        } catch (IllegalArgumentException e) {
            System.err.println("strata serve: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        SingleNode node;
        try {
            node = SingleNode.start(config, gc);
        } catch (Exception e) {
            cannotStart("strata serve", e);
            return;
        }
        runUntilStopped("strata", node, "strata ready: serving the OCI Distribution API on "
                + (config.tls() == null ? "http" : "https") + "://" + config.host() + ":" + node.port()
                + "/v2/ (data in " + config.data()
                + (config.rados() == null ? "" : ", chunks in Ceph pool " + config.rados().pool())
                + (config.placement() == null ? "" : ", chunks on " + config.placement().nodes().size() + " storage nodes") + ")");
    }

    /** Prints the ready line, then blocks until SIGTERM, when it closes {@code node}. */
    static void runUntilStopped(String name, AutoCloseable node, String readyLine) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println(name + ": shutting down");
            try {
                node.close();
            } catch (Exception e) {
                System.err.println(name + ": error while stopping: " + e);
            }
            stopped.countDown();
        }, "strata-shutdown"));
        System.out.println(readyLine);
        System.out.flush();
        stopped.await();
    }

    /**
     * A process that could not start: one line with the reason on stderr (the stack trace only with
     * STRATA_LOG_LEVEL=DEBUG), then exit 1.
     */
    static void cannotStart(String command, Exception e) {
        System.err.println(command + ": cannot start: " + dev.strata.core.log.LogStatus.describe(e));
        org.slf4j.LoggerFactory.getLogger(Main.class).debug("{} could not start", command, e);
        System.exit(1);
    }

    /** Parses 500ms, 30s, 5m, 1h, 2d or 0. */
    static java.time.Duration duration(String option, String v) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,9})(ms|s|m|h|d)?").matcher(v.trim());
        if (!m.matches() || (m.group(2) == null && !m.group(1).equals("0"))) {
            throw new IllegalArgumentException(option + " must be a duration like 30s, 5m, 1h or 0, got " + v);
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> java.time.Duration.ofMillis(n);
            case "s" -> java.time.Duration.ofSeconds(n);
            case "m" -> java.time.Duration.ofMinutes(n);
            case "h" -> java.time.Duration.ofHours(n);
            default -> java.time.Duration.ofDays(n);
        };
    }
}
