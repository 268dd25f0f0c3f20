package dev.strata.storage;

import dev.strata.core.spi.ChunkStore;
import dev.strata.core.util.KeyedLocks;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import org.rocksdb.CompressionType;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Statistics;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * {@link ChunkStore} on a local RocksDB with BlobDB (key-value separation): chunk bytes go to blob
 * files once, keys stay in a small LSM tree. Writes go through the WAL. Without fsync the WAL is
 * not synced: an acknowledged chunk survives kill -9 of the process (the OS has the bytes), not a
 * power loss. With fsync every write syncs the WAL before it returns ({@code WriteOptions.setSync}):
 * the WAL record holds the whole value (BlobDB writes blob files only when it flushes a memtable,
 * and syncs them then), so the chunk is on stable storage.
 * Reads skip RocksDB's block checksums: every blob is verified by its digest end to end.
 *
 * <p>Each chunk's length is also kept under its own small key ({@code ~<id>}, 8 bytes), written and
 * deleted in the same WriteBatch as the chunk. {@link #size}, the existence check of
 * {@link #delete} and {@link #list} read only those keys: a get or an iterator step on a BlobDB value
 * reads the whole value from its blob file (a stat of a 64 MiB chunk read 64 MiB; see
 * docs/performance.md), and an upload commit stats every chunk of the upload. A store written before
 * the length keys existed gets them once, when it is opened ({@link #indexSizes}).
 */
public final class RocksChunkStore implements ChunkStore {
    static {
        RocksDB.loadLibrary();
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RocksChunkStore.class);
    private final Options options;
    private final RocksDB db;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private final WriteOptions writeOptions;
    private final ReadOptions readOptions;
    private final KeyedLocks deleteLocks = new KeyedLocks(64);
    /** Prefix of the length keys; '~' sorts after every chunk-id character, so the two key ranges never mix. */
    private static final byte SIZE_PREFIX = '~';
    /** Present once every chunk has its length key; '}' sorts between the chunk ids and the length keys. */
    private static final byte[] SIZES_INDEXED = "}sizes-indexed".getBytes(StandardCharsets.US_ASCII);

    /** A store without fsync (see the class comment). */
    public RocksChunkStore(Path dir) {
        this(dir, false, null);
    }

    /** @param fsync true: every put and delete returns only once its WAL record is synced */
    public RocksChunkStore(Path dir, boolean fsync) {
        this(dir, fsync, null);
    }

    /** @param statistics null (no statistics cost), or RocksDB's counters for tests (e.g. WAL syncs) */
    RocksChunkStore(Path dir, boolean fsync, Statistics statistics) {
        try {
            Files.createDirectories(dir);
            options = new Options()
                    .setCreateIfMissing(true)
                    .setEnableBlobFiles(true)
                    .setMinBlobSize(64 * 1024)
                    .setBlobFileSize(256L << 20)
                    .setBlobCompressionType(CompressionType.NO_COMPRESSION)
                    .setCompressionType(CompressionType.NO_COMPRESSION)
                    .setEnableBlobGarbageCollection(true)
                    .setWriteBufferSize(64L << 20)
                    .setMaxOpenFiles(512);
            if (statistics != null) options.setStatistics(statistics);
            db = RocksDB.open(options, dir.toString());
            writeOptions = new WriteOptions().setSync(fsync);
            readOptions = new ReadOptions().setVerifyChecksums(false).setFillCache(false);
            indexSizes();
        } catch (RocksDBException | java.io.IOException e) {
            throw new IllegalStateException("cannot open chunk store at " + dir + ": " + e.getMessage(), e);
        }
    }

    private static byte[] key(String id) {
        return id.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] sizeKey(String id) {
        byte[] k = new byte[id.length() + 1];
        k[0] = SIZE_PREFIX;
        for (int i = 0; i < id.length(); i++) k[i + 1] = (byte) id.charAt(i); // ids are ASCII
        return k;
    }

    private static byte[] sizeValue(long size) {
        return ByteBuffer.allocate(Long.BYTES).putLong(size).array();
    }

    /**
     * Writes the length key of every chunk that lacks one, then the marker that says all have one:
     * once per store (a crash half-way repeats it at the next open). Reads each such chunk once.
     */
    private void indexSizes() throws RocksDBException {
        if (db.get(SIZES_INDEXED) != null) return;
        long indexed = 0;
        try (RocksIterator it = db.newIterator(readOptions)) {
            for (it.seekToFirst(); it.isValid() && it.key()[0] < SIZES_INDEXED[0]; it.next()) {
                String id = new String(it.key(), StandardCharsets.US_ASCII);
                db.put(writeOptions, sizeKey(id), sizeValue(it.value().length));
                indexed++;
            }
        }
        db.put(writeOptions, SIZES_INDEXED, new byte[0]);
        if (indexed > 0) LOG.info("indexed the length of {} chunks (once)", indexed);
    }

    @Override
    public void put(String id, ByteBuffer data) {
        byte[] k = key(id);
        byte[] sk = sizeKey(id);
        byte[] sv = sizeValue(data.remaining());
        // the chunk and its length key in one batch: a crash keeps both or neither
        try (WriteBatch batch = new WriteBatch()) {
            if (data.isDirect()) {
                // RocksDB's ByteBuffer puts take direct buffers only, keys included
                batch.put(direct(k), data.duplicate());
                batch.put(direct(sk), direct(sv));
            } else {
                byte[] v;
                if (data.hasArray() && data.arrayOffset() + data.position() == 0 && data.remaining() == data.array().length) {
                    v = data.array();
                } else {
                    // a slice (the last chunk of an upload) or a read-only buffer: the batch API takes whole arrays
                    v = new byte[data.remaining()];
                    data.duplicate().get(v);
                }
                batch.put(k, v);
                batch.put(sk, sv);
            }
            db.write(writeOptions, batch);
        } catch (RocksDBException e) {
            throw new IllegalStateException("chunk put failed: " + e.getMessage(), e);
        }
    }

    private static ByteBuffer direct(byte[] b) {
        return ByteBuffer.allocateDirect(b.length).put(b).flip();
    }

    @Override
    public byte[] read(String id, long offset, int length) {
        byte[] v = getOrThrow(id);
        ChunkStore.checkRange(offset, length, v.length);
        if (offset == 0 && length == v.length) return v;
        return java.util.Arrays.copyOfRange(v, (int) offset, (int) offset + length);
    }

    /**
     * A whole-chunk or prefix read into a direct buffer is one copy, from RocksDB into the caller's
     * buffer (no heap array). Other reads (an offset, a heap buffer) take the {@link #read} path.
     */
    @Override
    public void readInto(String id, long offset, ByteBuffer dst) {
        ChunkStore.checkDestination(dst);
        if (offset != 0 || !dst.isDirect()) {
            ChunkStore.super.readInto(id, offset, dst);
            return;
        }
        byte[] k = key(id);
        int want = dst.remaining();
        ByteBuffer kb = ByteBuffer.allocateDirect(k.length).put(k).flip();
        try {
            int size = db.get(readOptions, kb, dst.slice());
            if (size == RocksDB.NOT_FOUND) throw new ChunkNotFoundException(id);
            ChunkStore.checkRange(0, want, size);
        } catch (RocksDBException e) {
            throw new IllegalStateException("chunk read failed: " + e.getMessage(), e);
        }
        dst.position(dst.position() + want);
    }

    private byte[] getOrThrow(String id) {
        try {
            byte[] v = db.get(readOptions, key(id));
            if (v == null) throw new ChunkNotFoundException(id);
            return v;
        } catch (RocksDBException e) {
            throw new IllegalStateException("chunk read failed: " + e.getMessage(), e);
        }
    }

    /** The length key only: never the chunk's value (a get of a BlobDB value reads all of it). */
    @Override
    public long size(String id) {
        try {
            byte[] v = db.get(readOptions, sizeKey(id));
            return v == null ? -1 : ByteBuffer.wrap(v).getLong();
        } catch (RocksDBException e) {
            throw new IllegalStateException("chunk stat failed: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean delete(String id) {
        // check-then-delete under a per-id lock, so that concurrent deletes report true only once
        return deleteLocks.with(id, () -> {
            try (WriteBatch batch = new WriteBatch()) {
                byte[] sk = sizeKey(id);
                if (db.get(readOptions, sk) == null) return false;
                batch.delete(key(id));
                batch.delete(sk);
                db.write(writeOptions, batch);
                return true;
            } catch (RocksDBException e) {
                throw new IllegalStateException("chunk delete failed: " + e.getMessage(), e);
            }
        });
    }

    /** Walks the length keys (small values), not the chunks: an iterator step on a chunk reads its value. */
    @Override
    public void list(String startAfter, Predicate<String> visitor) {
        try (RocksIterator it = db.newIterator(readOptions)) {
            byte[] from = sizeKey(startAfter == null ? "" : startAfter);
            it.seek(from);
            if (startAfter != null && it.isValid() && java.util.Arrays.equals(it.key(), from)) it.next();
            for (; it.isValid(); it.next()) {
                byte[] k = it.key();
                if (k.length == 0 || k[0] != SIZE_PREFIX) return;
                if (!visitor.test(new String(k, 1, k.length - 1, StandardCharsets.US_ASCII))) return;
            }
        }
    }

    @Override
    public void close() {
        // idempotent: closing RocksDB's native handles twice crashes the JVM
        if (!closed.compareAndSet(false, true)) return;
        try {
            db.flushWal(true);
        } catch (RocksDBException ignored) {
            // best effort on close
        }
        db.close();
        writeOptions.close();
        readOptions.close();
        options.close();
    }
}
