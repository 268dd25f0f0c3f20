package dev.strata.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft Kafka broker (broker and controller in one) running inside this JVM, with
 * its log under {@code dir}. Its ports are chosen once and kept in {@code dir/ports.properties}, so
 * a restart finds the same cluster. Settings are trimmed for one node (replication 1, small
 * thread pools and buffers).
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private final KafkaRaftServer server;
    private final String advertisedHost;
    private final int brokerPort;

    private EmbeddedKafka(KafkaRaftServer server, String advertisedHost, int brokerPort) {
        this.server = server;
        this.advertisedHost = advertisedHost;
        this.brokerPort = brokerPort;
    }

    public static EmbeddedKafka start(Path dir) throws IOException {
        return start(dir, "127.0.0.1", "127.0.0.1", false);
    }

    /**
     * As {@link #start(Path)}; with {@code fsync} the broker flushes its log after every message
     * ({@code log.flush.interval.messages=1}), so an acknowledged event is on stable storage, not
     * only in the page cache (one broker has no replica to lose it to instead).
     */
    public static EmbeddedKafka start(Path dir, boolean fsync) throws IOException {
        return start(dir, "127.0.0.1", "127.0.0.1", fsync);
    }

    /**
     * As {@link #start(Path)}, with the client listener on {@code listenHost} (e.g. 0.0.0.0 in a
     * container) and advertised to clients as {@code advertisedHost} (the address they reach this
     * broker at). The controller listener stays on the loopback address: only this broker talks to it.
     */
    public static EmbeddedKafka start(Path dir, String listenHost, String advertisedHost, boolean fsync) throws IOException {
        Files.createDirectories(dir);
        Path portsFile = portsFile(dir);
        Properties ports = ports(dir);
        int brokerPort = port(ports, "broker");
        int controllerPort = port(ports, "controller");
        try (OutputStream out = Files.newOutputStream(portsFile)) {
            ports.store(out, "ports of the embedded Kafka broker");
        }
        Path logs = dir.resolve("logs");
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://" + listenHost + ":" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + advertisedHost + ":" + brokerPort);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", logs.toString());
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("log.cleaner.dedupe.buffer.size", "2097152");
        p.put("num.network.threads", "1");
        p.put("num.io.threads", "2");
        p.put("auto.create.topics.enable", "false");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("message.max.bytes", Integer.toString(dev.strata.core.log.LogConfig.MAX_EVENT_BYTES + 1024));
        p.put("num.partitions", "1");
        if (fsync) p.put("log.flush.interval.messages", "1");
        if (!Files.exists(logs.resolve("meta.properties"))) {
            Path conf = dir.resolve("server.properties");
            try (OutputStream out = Files.newOutputStream(conf)) {
                p.store(out, "embedded broker");
            }
            ByteArrayOutputStream msg = new ByteArrayOutputStream();
            try (PrintStream ps = new PrintStream(msg, true, StandardCharsets.UTF_8)) {
                kafka.tools.StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", conf.toString()}, ps);
            }
            LOG.info("formatted Kafka log dir {}: {}", logs, msg.toString(StandardCharsets.UTF_8).trim());
        }
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(p, false), Time.SYSTEM);
        server.startup();
        LOG.info("embedded Kafka broker on {}:{} (advertised as {}){}", listenHost, brokerPort, advertisedHost,
                fsync ? ", log flushed after every message" : "");
        return new EmbeddedKafka(server, advertisedHost, brokerPort);
    }

    /** Where the broker's ports are kept in its directory. */
    static Path portsFile(Path dir) {
        return dir.resolve("ports.properties");
    }

    /** The ports kept in {@code dir} ("broker", "controller"); empty when none are kept yet. */
    static Properties ports(Path dir) throws IOException {
        Properties ports = new Properties();
        if (Files.exists(portsFile(dir))) {
            try (InputStream in = Files.newInputStream(portsFile(dir))) {
                ports.load(in);
            }
        }
        return ports;
    }

    private static int port(Properties ports, String key) throws IOException {
        String v = ports.getProperty(key);
        if (v != null) {
            int p = Integer.parseInt(v);
            if (free(p)) return p;
            LOG.warn("Kafka {} port {} is taken; choosing another", key, p);
        }
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            ports.setProperty(key, Integer.toString(s.getLocalPort()));
            return s.getLocalPort();
        }
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public String bootstrapServers() {
        return advertisedHost + ":" + brokerPort;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }
}
