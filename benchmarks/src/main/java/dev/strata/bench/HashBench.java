package dev.strata.bench;

import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.digests.SHA256Digest;
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

/**
 * SHA-256 over one upload chunk, and the cost of saving and restoring a digest's state (what
 * resuming an upload on another gateway needs). The JDK digest (SHA-NI intrinsic) is what the
 * gateway uses; Bouncy Castle's is the one whose state can leave the process.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class HashBench {
    @Param({"4194304"})
    public int bytes;

    private byte[] data;
    private MessageDigest jdk;
    private SHA256Digest bc;
    private byte[] out;
    private byte[] bcState;

    @Setup
    public void setup() throws Exception {
        data = new byte[bytes];
        new Random(1).nextBytes(data);
        jdk = MessageDigest.getInstance("SHA-256");
        bc = new SHA256Digest();
        out = new byte[32];
        SHA256Digest half = new SHA256Digest();
        half.update(data, 0, 1000);
        bcState = half.getEncodedState();
    }

    /** One chunk through the JDK digest (ops/s x bytes = bytes/s). */
    @Benchmark
    public byte[] jdkChunk() {
        jdk.update(data, 0, data.length);
        return jdk.digest();
    }

    /** One chunk through Bouncy Castle's pure-Java digest. */
    @Benchmark
    public byte[] bcChunk() {
        bc.update(data, 0, data.length);
        bc.doFinal(out, 0);
        return out;
    }

    /** Saving the JDK digest's state in-process (clone): what the gateway's hash cache does between PATCHes. */
    @Benchmark
    public Object jdkSaveState() throws CloneNotSupportedException {
        return jdk.clone();
    }

    /** Saving Bouncy Castle's state as bytes (could travel in an event). */
    @Benchmark
    public byte[] bcSaveState() {
        return bc.getEncodedState();
    }

    /** Restoring Bouncy Castle's state from bytes. */
    @Benchmark
    public Object bcRestoreState() {
        return new SHA256Digest(bcState);
    }
}
