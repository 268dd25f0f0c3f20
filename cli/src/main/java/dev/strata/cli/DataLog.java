package dev.strata.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;

/**
 * The event log of a data directory as a tool ({@code replay}, {@code fsck}) reaches it. When a
 * live process owns the directory ({@link DataLock}), through that process's broker (its port from
 * {@code DATA/kafka/ports.properties}), or not at all: a tool never starts a broker over a log
 * another process owns. When no process owns it, the tool takes the lock and starts the embedded
 * broker itself; both are released on {@link #close}, so a {@code serve} started meanwhile fails at
 * once instead of sharing the log.
 */
final class DataLog implements AutoCloseable {
    private final String bootstrap;
    private final EmbeddedKafka started;
    private final DataLock lock;

    private DataLog(String bootstrap, EmbeddedKafka started, DataLock lock) {
        this.bootstrap = bootstrap;
        this.started = started;
        this.lock = lock;
    }

    /**
     * The log of {@code data} for {@code command} ("strata replay"), saying on {@code err} which
     * broker it uses; {@link DataLock.InUse} when the owner's broker does not answer.
     */
    static DataLog open(Path data, String command, PrintStream err) throws IOException {
        DataLock lock = DataLock.tryAcquire(data, command);
        if (lock == null) {
            String owner = DataLock.owner(data);
            String broker = runningBroker(data.resolve("kafka"));
            if (broker == null) {
                throw new DataLock.InUse("data directory " + data + " is in use by " + owner
                        + ", and its broker does not answer (kafka/ports.properties); try again once it serves, or give --bootstrap");
            }
            err.println(command + ": " + data + " is in use by " + owner + "; reading the log through its broker at " + broker);
            return new DataLog(broker, null, null);
        }
        try {
            err.println(command + ": no process owns " + data + "; starting the embedded broker on it");
            EmbeddedKafka kafka = EmbeddedKafka.start(data.resolve("kafka"));
            return new DataLog(kafka.bootstrapServers(), kafka, lock);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    String bootstrapServers() {
        return bootstrap;
    }

    /** The address of the embedded broker of a running server on this data directory, or null. */
    static String runningBroker(Path kafkaDir) throws IOException {
        String port = EmbeddedKafka.ports(kafkaDir).getProperty("broker");
        if (port == null) return null;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", Integer.parseInt(port)), 500);
            return "127.0.0.1:" + port;
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (started != null) started.close();
        } finally {
            if (lock != null) lock.close();
        }
    }
}
