package dev.strata.storage;

import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.spi.BlobRecord;
import dev.strata.core.spi.ChunkStore;
import dev.strata.core.spi.ChunkStore.ChunkCheck;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scrub and repair of committed blobs: {@link ChunkStore#check checks} every chunk of every blob a
 * source lists (the blob index, live or replayed from the log) and repairs missing or corrupt
 * copies, at a bounded read rate. {@code strata fsck} runs one pass; under {@code strata serve} a
 * background thread runs one every {@link ScrubConfig#interval()}.
 */
public final class Scrubber implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Scrubber.class);
    /** Problems kept in a summary, at most. */
    static final int MAX_PROBLEMS = 100;

    /** Called after each blob with the running totals. */
    @FunctionalInterface
    public interface Progress {
        void report(long blobs, long chunks, long bytes);
    }

    /**
     * The outcome of a pass: blobs, chunks and bytes checked; chunks found with fewer good copies
     * than required; copies rewritten; chunks still short of copies afterwards (unrepaired); and the
     * first problems found, one line each.
     */
    public record Summary(long blobs, long chunks, long bytes, long damaged, long repaired, long unrepaired, List<String> problems) {
        public Summary {
            problems = List.copyOf(problems);
        }

        public boolean ok() {
            return unrepaired == 0;
        }

        @Override
        public String toString() {
            return blobs + " blobs, " + chunks + " chunks, " + bytes + " bytes checked; " + damaged + " chunks damaged, "
                    + repaired + " copies repaired, " + unrepaired + " chunks unrepaired";
        }
    }

    /**
     * Something to scrub: {@code items} visits blob records (a visitor returning false stops the
     * walk); {@code stillThere} says whether a digest is still stored now, so that one deleted by
     * garbage collection during the pass is not counted as damage.
     */
    public record Source(Consumer<Predicate<BlobRecord>> items, Predicate<String> stillThere) {
        /** A fixed list, e.g. one rebuilt from the log by fsck: everything in it counts. */
        public static Source fixed(Consumer<Predicate<BlobRecord>> items) {
            return new Source(items, digest -> true);
        }
    }

    private final ChunkStore store;
    private final List<Source> sources;
    private final ScrubConfig config;
    private volatile Summary last;
    private volatile boolean running = true;
    private Thread thread;

    /** @param sources what a pass checks, in order (committed blobs, manifests) */
    public Scrubber(ChunkStore store, List<Source> sources, ScrubConfig config) {
        this.store = store;
        this.sources = List.copyOf(sources);
        this.config = config;
    }

    /** Starts the periodic pass when enabled. */
    public Scrubber start() {
        if (config.enabled()) {
            thread = new Thread(this::loop, "scrub");
            thread.setDaemon(true);
            thread.start();
            LOG.info("online scrub every {} s at {} bytes/s", config.interval().toSeconds(), config.bytesPerSecond());
        }
        return this;
    }

    /** The summary of the latest finished online pass, or null. */
    public Summary last() {
        return last;
    }

    private void loop() {
        while (running) {
            try {
                Thread.sleep(config.interval().toMillis());
                if (!running) return;
                Summary s = run(store, sources, true, config.bytesPerSecond(), (b, c, n) -> { }, () -> running);
                last = s;
                if (s.damaged() > 0) LOG.warn("scrub: {}; {}", s, s.problems());
                else LOG.info("scrub: {}", s);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("scrub pass failed, will retry: {}", e.toString());
            }
        }
    }

    /** {@link #run(ChunkStore, List, boolean, long, Progress, java.util.function.BooleanSupplier)} over one fixed list. */
    public static Summary run(ChunkStore store, Consumer<Predicate<BlobRecord>> blobs, boolean repair, long bytesPerSecond,
                              Progress progress, java.util.function.BooleanSupplier keepGoing) throws InterruptedException {
        return run(store, List.of(Source.fixed(blobs)), repair, bytesPerSecond, progress, keepGoing);
    }

    /**
     * One pass over every blob the sources list: checks (and with {@code repair} repairs) each
     * chunk, reading at most {@code bytesPerSecond} (0: unlimited), while {@code keepGoing} holds.
     * A damaged chunk of a blob that is no longer stored ({@link Source#stillThere}: GC deleted it
     * meanwhile) is not counted, and the rest of that blob is skipped.
     */
    public static Summary run(ChunkStore store, List<Source> sources, boolean repair, long bytesPerSecond, Progress progress,
                              java.util.function.BooleanSupplier keepGoing) throws InterruptedException {
        Pass pass = new Pass(store, repair, bytesPerSecond, System.nanoTime());
        for (Source source : sources) {
            if (!pass.going) break;
            source.items().accept(blob -> {
                pass.blob(blob, source.stillThere());
                if (pass.going) {
                    progress.report(pass.blobs, pass.chunks, pass.bytes);
                    pass.going = keepGoing.getAsBoolean();
                }
                return pass.going;
            });
        }
        if (pass.interrupted != null) throw pass.interrupted;
        return new Summary(pass.blobs, pass.chunks, pass.bytes, pass.damaged, pass.repaired, pass.unrepaired, pass.problems);
    }

    /** The running totals of one pass. */
    private static final class Pass {
        final ChunkStore store;
        final boolean repair;
        final long bytesPerSecond;
        final long started;
        final List<String> problems = new ArrayList<>();
        long blobs, chunks, bytes, damaged, repaired, unrepaired;
        boolean going = true;
        InterruptedException interrupted;

        Pass(ChunkStore store, boolean repair, long bytesPerSecond, long started) {
            this.store = store;
            this.repair = repair;
            this.bytesPerSecond = bytesPerSecond;
            this.started = started;
        }

        void blob(BlobRecord blob, Predicate<String> stillThere) {
            for (ChunkRef c : blob.chunks()) {
                ChunkCheck check = store.check(c, repair);
                boolean short_ = check.good() < check.required();
                if (short_ && !stillThere.test(blob.digest())) break; // collected meanwhile: not damage
                chunks++;
                bytes += c.length();
                if (short_) {
                    damaged++;
                    repaired += check.repaired();
                    if (!check.ok()) unrepaired++;
                    for (String p : check.problems()) {
                        if (problems.size() < MAX_PROBLEMS) problems.add(blob.digest() + " chunk " + c.id() + ": " + p);
                    }
                }
                try {
                    pace(started, bytes, bytesPerSecond);
                } catch (InterruptedException e) {
                    interrupted = e;
                    going = false;
                    return;
                }
            }
            blobs++;
        }
    }

    /** Sleeps until {@code bytes} read since {@code started} is within the rate. */
    private static void pace(long started, long bytes, long bytesPerSecond) throws InterruptedException {
        if (bytesPerSecond <= 0) return;
        long due = started + (long) (bytes * 1e9 / bytesPerSecond);
        long wait = due - System.nanoTime();
        if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
    }

    @Override
    public void close() {
        running = false;
        if (thread != null) thread.interrupt();
    }
}
