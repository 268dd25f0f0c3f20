package dev.strata.bench;

import dev.strata.core.oci.Manifest;
import dev.strata.core.oci.ManifestParser;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Manifest parsing and validation (ManifestParser.parse): an image manifest of N layers and an index of N manifests. */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class ManifestBench {
    @Param({"10", "100"})
    public int descriptors;

    private byte[] image;
    private byte[] index;

    @Setup
    public void setup() throws Exception {
        StringBuilder m = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",")
                .append("\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"")
                .append(digest("config")).append("\",\"size\":1234},\"layers\":[");
        StringBuilder x = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[");
        for (int i = 0; i < descriptors; i++) {
            if (i > 0) {
                m.append(',');
                x.append(',');
            }
            m.append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"").append(digest("l" + i))
                    .append("\",\"size\":").append(1_000_000 + i).append('}');
            x.append("{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"").append(digest("m" + i))
                    .append("\",\"size\":").append(500 + i).append(",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}");
        }
        image = m.append("],\"annotations\":{\"org.opencontainers.image.created\":\"2026-11-29T00:00:00Z\"}}").toString().getBytes(StandardCharsets.UTF_8);
        index = x.append("]}").toString().getBytes(StandardCharsets.UTF_8);
        // fail now, not in the measurement, if the inputs are not valid
        ManifestParser.parse(null, image);
        ManifestParser.parse(null, index);
    }

    private static String digest(String s) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Benchmark
    public Manifest imageManifest() {
        return ManifestParser.parse("application/vnd.oci.image.manifest.v1+json", image);
    }

    @Benchmark
    public Manifest imageIndex() {
        return ManifestParser.parse("application/vnd.oci.image.index.v1+json", index);
    }
}
