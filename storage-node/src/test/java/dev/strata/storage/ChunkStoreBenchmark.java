package dev.strata.storage;

import dev.strata.core.spi.ChunkStore;
import dev.strata.core.spi.MemoryChunkStore;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Chunk put and get throughput of one backend: a benchmark, not a test (run by
 * storage-node/bench.sh). Each round puts TOTAL bytes of random data as CHUNK-sized chunks with
 * THREADS writers, then reads every chunk back whole, then deletes them; the median of the rounds
 * is printed in MiB/s.
 *
 * <pre>
 * ChunkStoreBenchmark rocksdb|rados|memory [--dir DIR] [--ceph-conf FILE] [--ceph-pool POOL]
 *                     [--chunk-mib 4] [--total-mib 512] [--threads 1] [--rounds 3]
 * </pre>
 */
public final class ChunkStoreBenchmark {
    private ChunkStoreBenchmark() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) throw new IllegalArgumentException("usage: ChunkStoreBenchmark rocksdb|rados|memory [options]");
        String backend = args[0];
        Path dir = null;
        Path conf = null;
        String pool = RadosConfig.DEFAULT_POOL;
        int chunkMib = 4;
        int totalMib = 512;
        int threads = 1;
        int rounds = 3;
        for (int i = 1; i < args.length; i += 2) {
            if (i + 1 >= args.length) throw new IllegalArgumentException(args[i] + " needs a value");
            String v = args[i + 1];
            switch (args[i]) {
                case "--dir" -> dir = Path.of(v);
                case "--ceph-conf" -> conf = Path.of(v);
                case "--ceph-pool" -> pool = v;
                case "--chunk-mib" -> chunkMib = Integer.parseInt(v);
                case "--total-mib" -> totalMib = Integer.parseInt(v);
                case "--threads" -> threads = Integer.parseInt(v);
                case "--rounds" -> rounds = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        int chunkBytes = chunkMib << 20;
        int chunks = Math.max(1, totalMib / chunkMib);
        byte[][] data = new byte[Math.min(chunks, 8)][chunkBytes]; // a few distinct random chunks, reused
        SplittableRandom rnd = new SplittableRandom(42);
        for (byte[] d : data) for (int k = 0; k < d.length; k++) d[k] = (byte) rnd.nextInt();

        double[] put = new double[rounds];
        double[] get = new double[rounds];
        ExecutorService pool2 = Executors.newFixedThreadPool(threads);
        try (ChunkStore store = open(backend, dir, conf, pool)) {
            for (int r = 0; r < rounds; r++) {
                String prefix = "bench-" + System.nanoTime() + "-";
                long t0 = System.nanoTime();
                runAll(pool2, threads, chunks, i -> store.put(prefix + i, ByteBuffer.wrap(data[i % data.length])));
                long t1 = System.nanoTime();
                runAll(pool2, threads, chunks, i -> {
                    byte[] got = store.read(prefix + i, 0, chunkBytes);
                    if (got.length != chunkBytes || got[chunkBytes - 1] != data[i % data.length][chunkBytes - 1]) {
                        throw new IllegalStateException("chunk " + i + " read back wrong");
                    }
                });
                long t2 = System.nanoTime();
                runAll(pool2, threads, chunks, i -> store.delete(prefix + i));
                double mib = (double) chunks * chunkMib;
                put[r] = mib / ((t1 - t0) / 1e9);
                get[r] = mib / ((t2 - t1) / 1e9);
                System.out.printf(Locale.ROOT, "round %d: put %.0f MiB/s, get %.0f MiB/s%n", r + 1, put[r], get[r]);
            }
        } finally {
            pool2.shutdownNow();
        }
        System.out.printf(Locale.ROOT, "%s: %d x %d MiB chunks, %d thread(s): put %.0f MiB/s, get %.0f MiB/s (medians of %d)%n",
                backend, chunks, chunkMib, threads, median(put), median(get), rounds);
    }

    interface Op {
        void run(int i) throws Exception;
    }

    private static void runAll(ExecutorService pool, int threads, int n, Op op) throws Exception {
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            fs.add(pool.submit(() -> {
                for (int i = first; i < n; i += threads) op.run(i);
                return null;
            }));
        }
        for (Future<?> f : fs) f.get();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static ChunkStore open(String backend, Path dir, Path conf, String pool) throws Exception {
        switch (backend) {
            case "rocksdb":
                return new RocksChunkStore(dir != null ? dir : Files.createTempDirectory("chunk-bench-"));
            case "rados":
                if (conf == null) throw new IllegalArgumentException("rados needs --ceph-conf FILE");
                return new RadosChunkStore(RadosConfig.of(conf, pool, "bench"));
            case "memory":
                return new MemoryChunkStore();
            default:
                throw new IllegalArgumentException("backend must be rocksdb, rados or memory, got " + backend);
        }
    }
}
