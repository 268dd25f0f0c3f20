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
import org.rocksdb.WriteOptions;

/**
 * {@link ChunkStore} on a local RocksDB with BlobDB (key-value separation): chunk bytes go to blob
 * files once, keys stay in a small LSM tree. Writes go through the WAL. Without fsync the WAL is
 * not synced: an acknowledged chunk survives kill -9 of the process (the OS has the bytes), not a
 * power loss. With fsync every write syncs the WAL before it returns ({@code WriteOptions.setSync}):
 * the WAL record holds the whole value (BlobDB writes blob files only when it flushes a memtable,
 * and syncs them then), so the chunk is on stable storage.
 * Reads skip RocksDB's block checksums: every blob is verified by its digest end to end.
 */
public final class RocksChunkStore implements ChunkStore {
    static {
        RocksDB.loadLibrary();
    }

    private final Options options;
    private final RocksDB db;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private final WriteOptions writeOptions;
    private final ReadOptions readOptions;
    private final KeyedLocks deleteLocks = new KeyedLocks(64);

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
        } catch (RocksDBException | java.io.IOException e) {
            throw new IllegalStateException("cannot open chunk store at " + dir + ": " + e.getMessage(), e);
        }
    }

    private static byte[] key(String id) {
        return id.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void put(String id, ByteBuffer data) {
        byte[] k = id.getBytes(StandardCharsets.US_ASCII);
        try {
            if (data.isDirect()) {
                ByteBuffer kb = ByteBuffer.allocateDirect(k.length).put(k).flip();
                db.put(writeOptions, kb, data.duplicate());
            } else if (data.hasArray()) {
                db.put(writeOptions, k, 0, k.length, data.array(), data.arrayOffset() + data.position(), data.remaining());
            } else {
                byte[] v = new byte[data.remaining()];
                data.duplicate().get(v);
                db.put(writeOptions, k, v);
            }
        } catch (RocksDBException e) {
            throw new IllegalStateException("chunk put failed: " + e.getMessage(), e);
        }
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

    @Override
    public long size(String id) {
        try {
            // copies at most one byte into the heap; the return value is the whole value's size
            int n = db.get(readOptions, key(id), new byte[1]);
            return n == RocksDB.NOT_FOUND ? -1 : n;
        } catch (RocksDBException e) {
            throw new IllegalStateException("chunk stat failed: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean delete(String id) {
        byte[] k = key(id);
        // check-then-delete under a per-id lock, so that concurrent deletes report true only once
        return deleteLocks.with(id, () -> {
            try {
                if (db.get(readOptions, k, new byte[1]) == RocksDB.NOT_FOUND) return false;
                db.delete(writeOptions, k);
                return true;
            } catch (RocksDBException e) {
                throw new IllegalStateException("chunk delete failed: " + e.getMessage(), e);
            }
        });
    }

    @Override
    public void list(String startAfter, Predicate<String> visitor) {
        try (RocksIterator it = db.newIterator(readOptions)) {
            if (startAfter == null) it.seekToFirst();
            else {
                it.seek(startAfter.getBytes(StandardCharsets.US_ASCII));
                if (it.isValid() && new String(it.key(), StandardCharsets.US_ASCII).equals(startAfter)) it.next();
            }
            for (; it.isValid(); it.next()) {
                if (!visitor.test(new String(it.key(), StandardCharsets.US_ASCII))) return;
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
