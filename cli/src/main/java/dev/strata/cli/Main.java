package dev.strata.cli;

import dev.strata.gc.GcConfig;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** The {@code strata} command. */
public final class Main {
    private Main() {}

    static final String USAGE = """
            usage: strata serve [--addr HOST:PORT] [--data DIR] [--gc-grace 1h] [--gc-interval 5m] [--auth FILE]
                                [--tls-cert FILE --tls-key FILE] [limits]
                   strata tag history|restore NAME:TAG ...
                   strata replay --projection index|uploads|gc --into DIR [--data DIR]
                   strata gc [--dry-run] [--registry HOST:PORT]
                   strata quota set|get|remove NAMESPACE [SIZE] [--registry HOST:PORT]
              serve   run the whole registry in one JVM: embedded Kafka, RocksDB storage, all services
                      --addr  where the gateway listens (default 127.0.0.1:5000)
                      --data  data directory (default ./data)
                      --gc-grace     how long a blob stays unreferenced before GC takes it (default 1h)
                      --gc-interval  pause between online GC passes, 0 for none (default 5m)
                      --auth  token auth with the users and rules of this file (docs/security.md)
                      --tls-cert, --tls-key  serve HTTPS with this PEM certificate (chain) and key
                      limits (docs/configuration.md): --idle-timeout S, --request-head-timeout S,
                      --max-uploads-per-client N, --rate-limit PER_SECOND[:BURST], --upload-session-lifetime S
              tag     list a tag's history, or point it back (see strata tag --help)
              replay  rebuild a projection from the event log and prove it equals the live one
              gc      run a garbage-collection pass on a running registry now (--dry-run: list only)
              quota   set, show or remove a namespace's storage quota (e.g. quota set team-a 50GiB)
            """ + AdminCommands.USAGE;

    public static void main(String[] args) throws Exception {
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
        if (!args[0].equals("serve")) {
            System.err.println("strata: unknown command '" + args[0] + "'");
            System.err.print(USAGE);
            System.exit(2);
        }
        String addr = "127.0.0.1:5000";
        Path data = Path.of("data");
        String gcGrace = "1h";
        String gcInterval = "5m";
        java.util.Map<String, String> security = new java.util.HashMap<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (ServeOptions.NAMES.contains(a) && i + 1 < args.length) {
                security.put(a, args[++i]);
            } else if ((a.equals("--addr") || a.equals("--data") || a.equals("--gc-grace") || a.equals("--gc-interval")) && i + 1 < args.length) {
                switch (a) {
                    case "--addr" -> addr = args[++i];
                    case "--data" -> data = Path.of(args[++i]);
                    case "--gc-grace" -> gcGrace = args[++i];
                    default -> gcInterval = args[++i];
                }
            } else if (a.startsWith("--addr=")) {
                addr = a.substring(7);
            } else if (a.startsWith("--data=")) {
                data = Path.of(a.substring(7));
            } else {
                System.err.println("strata serve: unknown or incomplete option '" + a + "'");
                System.err.print(USAGE);
                System.exit(2);
            }
        }
        ServeConfig config;
        GcConfig gc;
        try {
            config = ServeOptions.apply(ServeConfig.of(addr, data.toAbsolutePath().normalize()), security);
            gc = new GcConfig(duration("--gc-grace", gcGrace), duration("--gc-interval", gcInterval), GcConfig.defaults().maxDeletesPerPass(),
                    GcConfig.defaults().uploadExpiry());
        } catch (IllegalArgumentException e) {
            System.err.println("strata serve: " + e.getMessage());
            System.exit(2);
            return;
        }
        SingleNode node;
        try {
            node = SingleNode.start(config, gc);
        } catch (Exception e) {
            System.err.println("strata serve: cannot start: " + e.getMessage());
            e.printStackTrace();
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("strata: shutting down");
            node.close();
            stopped.countDown();
        }, "strata-shutdown"));
        System.out.println("strata ready: serving the OCI Distribution API on " + (config.tls() == null ? "http" : "https")
                + "://" + config.host() + ":" + node.port()
                + "/v2/ (data in " + config.data() + ")");
        System.out.flush();
        stopped.await();
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
