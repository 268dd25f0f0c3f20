package dev.strata.storage;

import com.ceph.rados.IoCTX;
import com.ceph.rados.Rados;
import com.ceph.rados.exceptions.RadosException;
import com.ceph.rados.exceptions.RadosNotFoundException;
import dev.strata.core.spi.ChunkStore;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * {@link ChunkStore} on a Ceph RADOS pool through librados ({@code com.ceph:rados}, JNA): one
 * RADOS object per chunk, named by the chunk id, in the configured pool and namespace.
 *
 * <ul>
 *   <li>Limits: RADOS refuses one write above {@code osd_max_write_size} (90 MB by default) and an
 *       object above {@code osd_max_object_size} (128 MB). A chunk is at most
 *       {@link ChunkStore#MAX_CHUNK_BYTES} (64 MiB), so each put is one {@code write_full}: atomic
 *       (a reader sees the old state or the whole chunk) and within both limits.</li>
 *   <li>Durability: a put returns once the OSDs acknowledged it; Ceph's replication (the pool's
 *       size) protects it, so the store itself is stateless and any node can serve any chunk.</li>
 *   <li>Timeouts: connecting is bounded by {@code client_mount_timeout}; each operation by
 *       {@code rados_osd_op_timeout} and {@code rados_mon_op_timeout} (librados waits forever by
 *       default). A timed-out operation is an {@link IllegalStateException}.</li>
 *   <li>{@link #list} reads every id of the namespace and sorts them (RADOS lists in hash order):
 *       memory proportional to the number of chunks, fine for scrub and GC passes.</li>
 *   <li>{@link #close()} destroys the I/O context and shuts the cluster handle down (idempotent).</li>
 * </ul>
 */
public final class RadosChunkStore implements ChunkStore {
    static {
        // JNA unpacks its native stub to ~/.cache/JNA unless told otherwise; a HOME that is not
        // writable (services, containers) would then fail to load librados.
        if (System.getProperty("jna.tmpdir") == null) {
            System.setProperty("jna.tmpdir", Path.of(System.getProperty("java.io.tmpdir"),
                    "strata-jna-" + System.getProperty("user.name", "user")).toString());
        }
    }

    private final RadosConfig config;
    private final Rados rados;
    private final IoCTX io;
    private final AtomicBoolean closed = new AtomicBoolean();

    public RadosChunkStore(RadosConfig config) {
        this.config = config;
        Rados r;
        try {
            r = new Rados(config.user());
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new IllegalStateException("cannot load librados (install the Debian package librados2): " + e.getMessage(), e);
        }
        IoCTX ctx = null;
        try {
            r.confReadFile(config.cephConf().toFile());
            r.confSet("client_mount_timeout", Long.toString(config.connectTimeout().toSeconds()));
            r.confSet("rados_osd_op_timeout", Long.toString(config.opTimeout().toSeconds()));
            r.confSet("rados_mon_op_timeout", Long.toString(config.opTimeout().toSeconds()));
            r.connect();
            if (!Arrays.asList(r.poolList()).contains(config.pool())) {
                throw new IllegalArgumentException("Ceph pool '" + config.pool() + "' does not exist in the cluster of "
                        + config.cephConf() + " (create it: ceph osd pool create " + config.pool() + ")");
            }
            ctx = r.ioCtxCreate(config.pool());
            ctx.setNamespace(config.namespace().isEmpty() ? null : config.namespace());
        } catch (RadosException e) {
            r.shutDown();
            throw new IllegalStateException("cannot connect to Ceph with " + config.cephConf() + " (user client."
                    + config.user() + ", within " + config.connectTimeout().toSeconds() + " s): " + e.getMessage(), e);
        } catch (RuntimeException e) {
            r.shutDown();
            throw e;
        }
        this.rados = r;
        this.io = ctx;
    }

    public RadosConfig config() {
        return config;
    }

    @Override
    public void put(String id, ByteBuffer data) {
        ensureOpen();
        int len = data.remaining();
        byte[] bytes;
        if (data.hasArray() && data.arrayOffset() + data.position() == 0) {
            bytes = data.array(); // JNA copies the array into native memory for the call
        } else {
            bytes = new byte[len];
            data.duplicate().get(bytes);
        }
        try {
            io.writeFull(id, bytes, len);
        } catch (RadosException e) {
            throw failed("put", id, e);
        }
    }

    @Override
    public byte[] read(String id, long offset, int length) {
        ensureOpen();
        if (offset < 0 || length < 0 || offset > MAX_CHUNK_BYTES - length || length == 0) {
            // no chunk can hold this range, or nothing to read: the size decides (and a missing chunk wins)
            ChunkStore.checkRange(offset, length, sizeOrThrow(id));
            return new byte[0];
        }
        byte[] buf = new byte[length];
        int n;
        try {
            n = io.read(id, length, offset, buf);
        } catch (RadosNotFoundException e) {
            throw new ChunkNotFoundException(id);
        } catch (RadosException e) {
            throw failed("read", id, e);
        }
        if (n != length) {
            // a short read: the range ends past the chunk's end (or the chunk changed underneath)
            ChunkStore.checkRange(offset, length, sizeOrThrow(id));
            throw new IllegalStateException("short read of chunk " + id + ": " + n + " of " + length + " bytes at " + offset);
        }
        return buf;
    }

    private long sizeOrThrow(String id) {
        long size = size(id);
        if (size < 0) throw new ChunkNotFoundException(id);
        return size;
    }

    @Override
    public long size(String id) {
        ensureOpen();
        try {
            return io.stat(id).getSize();
        } catch (RadosNotFoundException e) {
            return -1;
        } catch (RadosException e) {
            throw failed("stat", id, e);
        }
    }

    @Override
    public boolean delete(String id) {
        ensureOpen();
        try {
            io.remove(id); // one OSD operation: of concurrent removes exactly one succeeds
            return true;
        } catch (RadosNotFoundException e) {
            return false;
        } catch (RadosException e) {
            throw failed("delete", id, e);
        }
    }

    @Override
    public void list(String startAfter, Predicate<String> visitor) {
        ensureOpen();
        String[] ids;
        try {
            ids = io.listObjects();
        } catch (RadosException e) {
            throw failed("list", config.pool() + "/" + config.namespace(), e);
        }
        Arrays.sort(ids); // ids are ASCII: String order is byte order
        int from = 0;
        if (startAfter != null) {
            int i = Arrays.binarySearch(ids, startAfter);
            from = i >= 0 ? i + 1 : -i - 1;
        }
        for (int i = from; i < ids.length; i++) {
            if (!ChunkStore.ID.matcher(ids[i]).matches()) continue; // not a chunk (someone else's object)
            if (!visitor.test(ids[i])) return;
        }
    }

    /** librados handles are freed on close; using one afterwards would crash the JVM. */
    private void ensureOpen() {
        if (closed.get()) throw new IllegalStateException(this + " is closed");
    }

    private IllegalStateException failed(String op, String id, RadosException e) {
        return new IllegalStateException("RADOS " + op + " of " + id + " in pool " + config.pool() + " failed: " + e.getMessage(), e);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        try {
            rados.ioCtxDestroy(io);
        } finally {
            rados.shutDown();
        }
    }

    @Override
    public String toString() {
        return "RadosChunkStore[" + config.cephConf() + ", pool " + config.pool()
                + (config.namespace().isEmpty() ? "" : ", namespace " + config.namespace()) + "]";
    }
}
