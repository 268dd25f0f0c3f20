package dev.strata.inspector;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

/**
 * Indexing speed of {@link TarIndexer} over a generated layer (files of 1 KiB..8 MiB, half random and
 * half text-like bytes), uncompressed, gzip and zstd: the median of 3 runs in MiB/s of uncompressed
 * tar and of the blob, and the peak heap used. Not a test; run it with a small heap to see that
 * memory does not grow with the layer:
 *
 * <pre>
 * mvn -q -pl core,inspector -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -Xmx64m -cp inspector/target/test-classes:inspector/target/classes:core/target/classes:$(cat /tmp/cp.txt) \
 *     dev.strata.inspector.IndexerBenchmark 512
 * tar cf /tmp/usr.tar -C / usr/lib usr/share
 * java -Xmx64m -cp ... dev.strata.inspector.IndexerBenchmark /tmp/usr.tar
 * </pre>
 */
public final class IndexerBenchmark {
    private IndexerBenchmark() {}

    /** Args: MiB of generated layer (default 256), or the path of an existing uncompressed tar to use instead. */
    public static void main(String[] args) throws IOException {
        String arg = args.length > 0 ? args[0] : "256";
        Path dir = Files.createTempDirectory("indexer-bench");
        Path tar = dir.resolve("layer.tar");
        if (arg.matches("[0-9]+")) writeLayer(tar, Long.parseLong(arg) << 20);
        else Files.copy(Path.of(arg), tar);
        Path gz = dir.resolve("layer.tar.gz");
        Path zst = dir.resolve("layer.tar.zst");
        try (InputStream in = Files.newInputStream(tar);
             OutputStream out = new GZIPOutputStream(new BufferedOutputStream(Files.newOutputStream(gz), 1 << 16), 1 << 16)) {
            in.transferTo(out);
        }
        try (InputStream in = Files.newInputStream(tar);
             OutputStream out = new com.github.luben.zstd.ZstdOutputStream(new BufferedOutputStream(Files.newOutputStream(zst), 1 << 16))) {
            in.transferTo(out);
        }
        InspectorConfig config = InspectorConfig.defaults();
        System.out.printf("layer: %d MiB uncompressed; gzip %d MiB; zstd %d MiB; max heap %d MiB%n", Files.size(tar) >> 20,
                Files.size(gz) >> 20, Files.size(zst) >> 20, Runtime.getRuntime().maxMemory() >> 20);
        for (Path p : List.of(tar, gz, zst)) {
            List<Double> secs = new ArrayList<>();
            LayerIndex idx = null;
            for (int i = 0; i < 3; i++) {
                System.gc();
                long t0 = System.nanoTime();
                try (InputStream in = Files.newInputStream(p)) {
                    idx = TarIndexer.index(in, config);
                }
                secs.add((System.nanoTime() - t0) / 1e9);
            }
            Collections.sort(secs);
            double median = secs.get(1);
            System.out.printf("%-5s entries %d, errors %d: median %.2f s = %.0f MiB/s of tar, %.0f MiB/s of blob; peak heap used %d MiB%n",
                    idx.compression(), idx.entries().size(), idx.errors().size(), median, idx.uncompressedSize() / 1048576.0 / median,
                    Files.size(p) / 1048576.0 / median, peakHeap() >> 20);
        }
        for (Path p : List.of(tar, gz, zst)) Files.delete(p);
        Files.delete(dir);
    }

    private static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean b : ManagementFactory.getMemoryPoolMXBeans()) {
            if (b.getType() == MemoryType.HEAP) sum += b.getPeakUsage().getUsed();
        }
        return sum;
    }

    private static void writeLayer(Path tar, long total) throws IOException {
        SplittableRandom rnd = new SplittableRandom(42);
        byte[] words = "the quick brown fox jumps over the lazy dog 0123456789 layer tar index\n".getBytes(StandardCharsets.US_ASCII);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tar), 1 << 16)) {
            long written = 0;
            int n = 0;
            byte[] buf = new byte[1 << 16];
            while (written < total) {
                int size = 1024 << rnd.nextInt(14); // 1 KiB .. 8 MiB
                boolean random = (n & 1) == 0;
                TarBuilder h = new TarBuilder().headerOnly("usr/lib/d" + (n % 100) + "/f" + n, size);
                out.write(h.unterminated());
                long left = size;
                while (left > 0) {
                    int k = (int) Math.min(buf.length, left);
                    if (random) {
                        for (int i = 0; i < k; i += 8) {
                            long v = rnd.nextLong();
                            for (int j = 0; j < 8 && i + j < k; j++) buf[i + j] = (byte) (v >>> (8 * j));
                        }
                    } else {
                        for (int i = 0; i < k; i++) buf[i] = words[(i + n) % words.length];
                    }
                    out.write(buf, 0, k);
                    left -= k;
                }
                out.write(new byte[(int) ((512 - size % 512) % 512)]);
                written += size + 512;
                n++;
            }
            out.write(new byte[1024]);
        }
    }
}
