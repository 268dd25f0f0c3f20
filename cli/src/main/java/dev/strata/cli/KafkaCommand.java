package dev.strata.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * {@code strata kafka --data DIR [--port P]}: a single-node KRaft Kafka broker as its own process,
 * from the Kafka artifacts on Strata's classpath (the same broker {@code strata serve} embeds). For
 * local clusters and tests; production runs a real Kafka cluster. The ports are kept in
 * DIR/ports.properties, so a restart comes back on the same address.
 */
final class KafkaCommand {
    static final String USAGE = """
            usage: strata kafka --data DIR [--port P]
              kafka   a single-node KRaft Kafka broker in its own JVM (local clusters); --port fixes the
                      broker port the first time (default: a free one, kept in DIR/ports.properties)
            """;

    private KafkaCommand() {}

    static void run(String[] args) throws InterruptedException {
        Path dir = null;
        String port = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--data" -> dir = Path.of(args[i + 1]).toAbsolutePath().normalize();
                case "--port" -> port = args[i + 1];
                default -> dir = null;
            }
        }
        if (dir == null || args.length % 2 != 0 || (port != null && !port.matches("\\d{1,5}"))) {
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        EmbeddedKafka kafka;
        try {
            if (port != null) pinPort(dir, port);
            kafka = EmbeddedKafka.start(dir);
        } catch (Exception e) {
            System.err.println("strata kafka: cannot start: " + e.getMessage());
            System.exit(1);
            return;
        }
        Main.runUntilStopped("strata kafka", kafka, "strata kafka ready: bootstrap servers " + kafka.bootstrapServers());
    }

    private static void pinPort(Path dir, String port) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("ports.properties");
        Properties p = new Properties();
        if (Files.exists(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                p.load(in);
            }
        }
        p.setProperty("broker", port);
        try (OutputStream out = Files.newOutputStream(file)) {
            p.store(out, "ports of the Kafka broker");
        }
    }
}
