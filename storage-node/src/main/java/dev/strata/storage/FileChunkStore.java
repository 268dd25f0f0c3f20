package dev.strata.storage;

import dev.strata.core.spi.ChunkStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ChunkStore} with one file per chunk: each byte is written once (no write-ahead log, no
 * flush to a second file, no checksum in the store: blobs are verified by digest end to end) and
 * read with positional {@link FileChannel} reads, straight into the caller's buffer.
 *
 * <p>Layout: {@code DIR/_P7/_P10/@ID}, where {@code Pn} is the first n characters of the id (the
 * whole id when shorter). Since a directory's name is a prefix of the ids under it, walking the
 * directories and then each leaf's ids in ASCII order visits all ids in ASCII order, as
 * {@link #list} must. Upload chunk ids ({@code c-<millis hex>-<uuid>}) fall into one top directory
 * per ~4.6 hours and one leaf per ~4 seconds; manifest chunk ids ({@code m-sha256-<hex>}) into 16
 * leaves. The {@code _} and {@code @} marks keep the ids {@code .} and {@code ..} from naming a
 * directory entry of their own.
 *
 * <p>Durability: {@link #put} writes a temp file ({@code +ID+GENERATION+RANDOM}) in the leaf and
 * renames it into place atomically. Without fsync an acknowledged chunk survives kill -9 of the
 * process (the OS has the bytes), not a power loss, the same as {@link RocksChunkStore}'s unsynced
 * WAL. With fsync, the temp file is forced (fdatasync) before the rename and the leaf, its parent
 * and the root directory are forced after it, so both the bytes and the name are on stable storage
 * before the put returns (a clean directory's fsync costs no I/O). Deletes are not forced: a chunk
 * a power loss brings back is an upload chunk no blob holds, which the orphan-chunk GC removes.
 * Readers see a chunk absent or complete.
 *
 * <p>Opening is cheap: temp files left by a crash (another generation's) and empty directories left
 * by deletes are removed by a background thread after the store opens ({@link #cleanUpDone}); temp
 * files are never listed, so they are invisible meanwhile, and the current generation's temp files
 * (puts in flight) are never touched.
 *
 * <p>Arguments are validated by {@code ValidatingChunkStore} in front of this store
 * ({@code ChunkStores.decorate}); this class checks ranges against the file only.
 */
public final class FileChunkStore implements ChunkStore {
    static final int TOP = 7;
    static final int LEAF = 10;
    static final String DIR_MARK = "_";
    static final String CHUNK_MARK = "@";
    static final String TEMP_MARK = "+";
    /** Largest heap-buffer slice passed to one FileChannel call (see {@link #window}). */
    static final int IO_WINDOW = 1 << 20;

    private static final Logger LOG = LoggerFactory.getLogger(FileChunkStore.class);

    private final Path dir;
    private final boolean fsync;
    /** Names this instance's temp files: any other generation's temp file is a crash's leftover. */
    private final String generation = UUID.randomUUID().toString();
    private final CompletableFuture<Void> cleanUp = new CompletableFuture<>();
    private final Thread cleaner;
    private volatile boolean closed;

    /** A store without fsync (see the class comment). */
    public FileChunkStore(Path dir) {
        this(dir, false);
    }

    /** @param fsync true: a put returns only once the chunk's bytes and name are on stable storage */
    public FileChunkStore(Path dir, boolean fsync) {
        this.dir = dir;
        this.fsync = fsync;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open chunk store at " + dir + ": " + e.getMessage(), e);
        }
        cleaner = new Thread(() -> {
            try {
                cleanUp(dir, true);
                cleanUp.complete(null);
            } catch (IOException | RuntimeException e) {
                if (!closed) LOG.warn("clean-up of {} stopped: {}", dir, e.toString());
                cleanUp.completeExceptionally(e);
            }
        }, "chunk-store-cleanup");
        cleaner.setDaemon(true);
        cleaner.start();
    }

    /** Completes when the background clean-up after open is done (exceptionally if it failed or the store closed first). */
    CompletableFuture<Void> cleanUpDone() {
        return cleanUp;
    }

    /**
     * Deletes other generations' temp files and empty directories under {@code d}; returns true when
     * {@code d} is now empty. A directory a concurrent put fills meanwhile is kept (not empty).
     */
    private boolean cleanUp(Path d, boolean root) throws IOException {
        boolean empty = true;
        String current = TEMP_MARK + generation + TEMP_MARK;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(d)) {
            for (Path p : entries) {
                if (closed) throw new IOException("store closed");
                String name = p.getFileName().toString();
                if (Files.isDirectory(p)) {
                    if (name.startsWith(DIR_MARK) && cleanUp(p, false)) {
                        try {
                            Files.deleteIfExists(p);
                        } catch (DirectoryNotEmptyException e) {
                            empty = false; // a put created a file or leaf in it meanwhile
                        }
                    } else {
                        empty = false;
                    }
                } else if (name.startsWith(TEMP_MARK) && !name.contains(current)) {
                    Files.deleteIfExists(p);
                } else {
                    empty = false;
                }
            }
        } catch (NoSuchFileException e) {
            return false; // removed concurrently
        }
        return empty && !root;
    }

    private static String prefix(String id, int n) {
        return id.length() <= n ? id : id.substring(0, n);
    }

    private Path leaf(String id) {
        return dir.resolve(DIR_MARK + prefix(id, TOP)).resolve(DIR_MARK + prefix(id, LEAF));
    }

    private Path file(String id) {
        return leaf(id).resolve(CHUNK_MARK + id);
    }

    /**
     * Keeps an existing chunk (same id, same bytes: a no-op); else temp file, then atomic rename.
     * With fsync: the temp file is forced before the rename, the directories after it.
     */
    @Override
    public void put(String id, ByteBuffer data) {
        Path target = file(id);
        if (Files.exists(target)) return;
        Path leaf = target.getParent();
        Path temp = leaf.resolve(TEMP_MARK + id + TEMP_MARK + generation + TEMP_MARK + UUID.randomUUID());
        try {
            try (FileChannel ch = createTemp(leaf, temp)) {
                ByteBuffer src = data.duplicate();
                int end = src.limit();
                while (src.hasRemaining()) {
                    src.limit(window(src, end));
                    ch.write(src);
                    src.limit(end);
                }
                if (fsync) ch.force(false);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            if (fsync) {
                // the new name, then the entries naming its directories (cheap when they are clean);
                // forcing them always also covers a leaf another put created and has not forced yet
                forceDirectory(leaf);
                forceDirectory(leaf.getParent());
                forceDirectory(dir);
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // removed by the next open's clean-up
            }
            throw new IllegalStateException("chunk put failed: " + e.getMessage(), e);
        }
    }

    /** Creates the leaf directory if needed and the temp file in it; retries when the clean-up removed an empty directory meanwhile. */
    private static FileChannel createTemp(Path leaf, Path temp) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                Files.createDirectories(leaf);
                return FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (NoSuchFileException | java.nio.file.FileAlreadyExistsException e) {
                // NoSuchFile: the leaf went before the open; FileAlreadyExists: createDirectories found a
                // directory in place and the clean-up removed it before its isDirectory check (a JDK race);
                // the temp file's name is unique, so it is never the one that exists
                if (attempt >= 5) throw e;
            }
        }
    }

    private static void forceDirectory(Path d) throws IOException {
        try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    @Override
    public byte[] read(String id, long offset, int length) {
        try (FileChannel ch = open(id)) {
            ChunkStore.checkRange(offset, length, ch.size()); // before allocating: length is the caller's
            ByteBuffer b = ByteBuffer.allocate(length);
            readFully(id, ch, offset, b);
            return b.array();
        } catch (IOException e) {
            throw new UncheckedIOException("chunk read failed: " + e.getMessage(), e);
        }
    }

    /** One positional read (or a few, for short reads) from the file straight into {@code dst}. */
    @Override
    public void readInto(String id, long offset, ByteBuffer dst) {
        ChunkStore.checkDestination(dst);
        int start = dst.position();
        try {
            readRange(id, offset, dst);
        } catch (RuntimeException e) {
            dst.position(start);
            throw e;
        }
    }

    private void readRange(String id, long offset, ByteBuffer dst) {
        try (FileChannel ch = open(id)) {
            ChunkStore.checkRange(offset, dst.remaining(), ch.size());
            readFully(id, ch, offset, dst);
        } catch (IOException e) {
            throw new UncheckedIOException("chunk read failed: " + e.getMessage(), e);
        }
    }

    private FileChannel open(String id) throws IOException {
        try {
            return FileChannel.open(file(id), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new ChunkNotFoundException(id);
        }
    }

    private static void readFully(String id, FileChannel ch, long offset, ByteBuffer dst) throws IOException {
        long at = offset;
        int end = dst.limit();
        try {
            while (dst.hasRemaining()) {
                dst.limit(window(dst, end));
                int n = ch.read(dst, at);
                if (n < 0) throw new IllegalStateException("chunk " + id + " shorter than its size at " + at);
                at += n;
                dst.limit(end);
            }
        } finally {
            dst.limit(end);
        }
    }

    /**
     * The limit of the next I/O call on {@code b}: all of a direct buffer; at most {@link #IO_WINDOW}
     * bytes of a heap buffer, because the JDK copies a heap buffer through a temporary direct buffer
     * of the same size and caches it per thread, which would pin up to a whole chunk of native
     * memory in every worker thread.
     */
    private static int window(ByteBuffer b, int end) {
        return b.isDirect() ? end : (int) Math.min(end, (long) b.position() + IO_WINDOW);
    }

    @Override
    public long size(String id) {
        try {
            return Files.size(file(id));
        } catch (NoSuchFileException e) {
            return -1;
        } catch (IOException e) {
            throw new UncheckedIOException("chunk stat failed: " + e.getMessage(), e);
        }
    }

    /** One unlink: of concurrent deletes, the file system lets exactly one succeed. */
    @Override
    public boolean delete(String id) {
        try {
            return Files.deleteIfExists(file(id));
        } catch (IOException e) {
            throw new UncheckedIOException("chunk delete failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void list(String startAfter, Predicate<String> visitor) {
        for (String top : sortedNames(dir, DIR_MARK, startAfter == null ? null : prefix(startAfter, TOP))) {
            Path topDir = dir.resolve(DIR_MARK + top);
            for (String leaf : sortedNames(topDir, DIR_MARK, startAfter == null ? null : prefix(startAfter, LEAF))) {
                for (String id : sortedNames(topDir.resolve(DIR_MARK + leaf), CHUNK_MARK, null)) {
                    if (startAfter != null && id.compareTo(startAfter) <= 0) continue;
                    if (!visitor.test(id)) return;
                }
            }
        }
    }

    /**
     * The names (without {@code mark}) of {@code d}'s entries that start with {@code mark}, in ASCII
     * order, skipping names below {@code from}: a directory whose prefix sorts below the start
     * prefix holds only ids below the start.
     */
    private static List<String> sortedNames(Path d, String mark, String from) {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(d)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (!name.startsWith(mark)) continue;
                String n = name.substring(mark.length());
                if (from == null || n.compareTo(from) >= 0) names.add(n);
            }
        } catch (NoSuchFileException e) {
            return names; // removed concurrently
        } catch (IOException e) {
            throw new UncheckedIOException("chunk list failed: " + e.getMessage(), e);
        }
        names.sort(null);
        return names;
    }

    @Override
    public void close() {
        // no handles kept open between calls; stop the clean-up, so it never judges a later generation's temp files
        closed = true;
        try {
            cleaner.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "files under " + dir + (fsync ? " (fsync)" : "");
    }
}
