package dev.strata.storage;

import dev.strata.core.spi.KvStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * {@link KvStore} on RocksDB, for projection state. Batches go through the WAL (no fsync): a
 * written batch survives kill -9. Keys are UTF-8 and compared bytewise.
 */
public final class RocksKvStore implements KvStore {
    static {
        RocksDB.loadLibrary();
    }

    private final Options options;
    private final RocksDB db;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private final WriteOptions writeOptions = new WriteOptions().setSync(false);

    /** Opens a store read-only, e.g. the live projection of a running server; writes fail. */
    public static RocksKvStore openReadOnly(Path dir) {
        return new RocksKvStore(dir, true);
    }

    public RocksKvStore(Path dir) {
        this(dir, false);
    }

    private RocksKvStore(Path dir, boolean readOnly) {
        try {
            if (readOnly && !Files.isDirectory(dir)) throw new IllegalStateException("no store at " + dir);
            if (!readOnly) Files.createDirectories(dir);
            options = new Options().setCreateIfMissing(!readOnly)
                    .setTableFormatConfig(new BlockBasedTableConfig().setFilterPolicy(new BloomFilter(10)));
            db = readOnly ? RocksDB.openReadOnly(options, dir.toString()) : RocksDB.open(options, dir.toString());
        } catch (RocksDBException | java.io.IOException e) {
            throw new IllegalStateException("cannot open store at " + dir + ": " + e.getMessage(), e);
        }
    }

    private static byte[] bytes(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    @Override
    public byte[] get(String key) {
        try {
            return db.get(bytes(key));
        } catch (RocksDBException e) {
            throw new IllegalStateException("get failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void write(Batch batch) {
        try (WriteBatch wb = new WriteBatch()) {
            for (Batch.Op op : batch.ops()) {
                if (op.value() == null) wb.delete(bytes(op.key()));
                else wb.put(bytes(op.key()), op.value());
            }
            db.write(writeOptions, wb);
        } catch (RocksDBException e) {
            throw new IllegalStateException("write failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void scan(String prefix, String startAfter, Visitor visitor) {
        byte[] p = bytes(prefix);
        try (ReadOptions ro = new ReadOptions(); RocksIterator it = db.newIterator(ro)) {
            if (startAfter == null || java.util.Arrays.compareUnsigned(bytes(startAfter), p) < 0) it.seek(p);
            else {
                byte[] s = bytes(startAfter);
                it.seek(s);
                if (it.isValid() && java.util.Arrays.equals(it.key(), s)) it.next();
            }
            for (; it.isValid(); it.next()) {
                byte[] k = it.key();
                if (!startsWith(k, p)) return;
                if (!visitor.visit(new String(k, StandardCharsets.UTF_8), it.value())) return;
            }
        }
    }

    private static boolean startsWith(byte[] k, byte[] p) {
        if (k.length < p.length) return false;
        for (int i = 0; i < p.length; i++) if (k[i] != p[i]) return false;
        return true;
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
        options.close();
    }
}
