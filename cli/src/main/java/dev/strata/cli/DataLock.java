package dev.strata.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One data directory, one owner: an OS file lock on {@code DATA/.lock}, taken before anything else
 * in the directory is touched and held for the owner's life (the OS drops it when the process
 * dies, also on kill -9). The file names the owner ({@code pid 1234 (strata serve)}) for the
 * message of whoever finds it taken. Within one JVM a directory is held at most once: a second
 * channel on the file must not be opened and closed, since closing it would drop the first's lock.
 */
final class DataLock implements AutoCloseable {
    static final String FILE = ".lock";
    /** Lock files held by this JVM (real paths). */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path file;
    private final FileChannel channel;

    private DataLock(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** Another process (or this one) owns the data directory. */
    static final class InUse extends IOException {
        InUse(String message) {
            super(message);
        }
    }

    /** Takes the lock of {@code data} (created if missing) for {@code command}, or throws {@link InUse} naming the owner. */
    static DataLock acquire(Path data, String command) throws IOException {
        DataLock lock = tryAcquire(data, command);
        if (lock == null) {
            throw new InUse("data directory " + data + " is in use by " + owner(data) + "; one process at a time owns a data directory");
        }
        return lock;
    }

    /** The lock of {@code data} for {@code command}, or null when another process (or this one) holds it. */
    static DataLock tryAcquire(Path data, String command) throws IOException {
        Files.createDirectories(data);
        Path file = data.resolve(FILE).toAbsolutePath();
        Path key = file.getParent().toRealPath().resolve(FILE);
        if (!HELD.add(key)) return null;
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                HELD.remove(key);
                channel.close();
                return null;
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + " (" + command + ")\n").getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(false);
            return new DataLock(key, channel);
        } catch (IOException | RuntimeException e) {
            HELD.remove(key);
            if (channel != null) channel.close();
            throw e;
        }
    }

    /** Who holds the lock of {@code data}, as its file says: {@code pid 1234 (strata serve)}, or "another process". */
    static String owner(Path data) {
        try {
            String s = Files.readString(data.resolve(FILE), StandardCharsets.UTF_8).trim();
            return s.isEmpty() || s.length() > 200 ? "another process" : s;
        } catch (IOException e) {
            return "another process";
        }
    }

    @Override
    public void close() throws IOException {
        if (!channel.isOpen()) return;
        try {
            channel.close(); // releases the lock; the file stays (removing it would race a process locking it)
        } finally {
            HELD.remove(file);
        }
    }
}
