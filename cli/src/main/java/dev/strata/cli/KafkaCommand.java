package dev.strata.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * {@code strata kafka --data DIR [--port P] [--listen HOST] [--advertise HOST]}: a single-node KRaft
 * Kafka broker as its own process, from the Kafka artifacts on Strata's classpath (the same broker
 * {@code strata serve} embeds). For local clusters and tests (also as a container on a container
 * network: {@code --listen 0.0.0.0}); production runs a real Kafka cluster. The ports are kept in
 * DIR/ports.properties, so a restart comes back on the same address.
 */
final class KafkaCommand {
    static final String USAGE = """
            usage: strata kafka --data DIR [--port P] [--listen HOST] [--advertise HOST]
              kafka   a single-node KRaft Kafka broker in its own JVM (local clusters); --port fixes the
                      broker port the first time (default: a free one, kept in DIR/ports.properties);
                      --listen the client listener's address (default 127.0.0.1; 0.0.0.0 in a
                      container); --advertise the address clients are told to use (default: the
                      listen address, or this host's address when listening on 0.0.0.0)
            """;

    private KafkaCommand() {}

    static void run(String[] args) throws InterruptedException {
        Path dir = null;
        String port = null;
        String listen = "127.0.0.1";
        String advertise = null;
        boolean bad = args.length % 2 != 0;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--data" -> dir = Path.of(args[i + 1]).toAbsolutePath().normalize();
                case "--port" -> port = args[i + 1];
                case "--listen" -> listen = args[i + 1];
                case "--advertise" -> advertise = args[i + 1];
                default -> bad = true;
            }
        }
        if (dir == null || bad || (port != null && !port.matches("\\d{1,5}")) || !HOST.matcher(listen).matches()
                || (advertise != null && !HOST.matcher(advertise).matches())) {
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        EmbeddedKafka kafka;
        DataLock lock;
        try {
            lock = DataLock.acquire(dir, "strata kafka"); // before ports.properties is touched
            if (port != null) pinPort(dir, port);
            kafka = EmbeddedKafka.start(dir, listen, advertise != null ? advertise : advertised(listen), false);
        } catch (Exception e) {
            System.err.println("strata kafka: cannot start: " + e.getMessage());
            System.exit(1);
            return;
        }
        Main.runUntilStopped("strata kafka", () -> {
            try {
                kafka.close();
            } finally {
                lock.close();
            }
        }, "strata kafka ready: bootstrap servers " + kafka.bootstrapServers());
    }

    /** A host name or IPv4 address (bounded; no ports, no spaces). */
    private static final java.util.regex.Pattern HOST = java.util.regex.Pattern.compile("[A-Za-z0-9.-]{1,253}");

    /** The address to advertise for a listener on {@code listen}: itself, or this host's address for a wildcard. */
    static String advertised(String listen) throws IOException {
        if (!listen.equals("0.0.0.0")) return listen;
        // in a container /etc/hosts maps the container's name to its address on the container network
        return java.net.InetAddress.getLocalHost().getHostAddress();
    }

    private static void pinPort(Path dir, String port) throws IOException {
        Files.createDirectories(dir);
        Properties p = EmbeddedKafka.ports(dir);
        p.setProperty("broker", port);
        try (OutputStream out = Files.newOutputStream(EmbeddedKafka.portsFile(dir))) {
            p.store(out, "ports of the Kafka broker");
        }
    }
}
