package dev.strata.storage;

import dev.strata.core.events.Event.ChunkRef;
import dev.strata.core.events.Event.Placement;
import dev.strata.core.spi.ChunkStore;
import dev.strata.core.util.KeyedLocks;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ChunkStore} spread over several storage nodes by rendezvous (highest random weight)
 * hashing: a chunk's nodes are ranked by SHA-256(node id, chunk id); it lives on the first
 * {@code replicas} (R) nodes of that ranking that accept it.
 *
 * <ul>
 *   <li>put writes to the top R nodes in parallel; a node that fails is replaced by the next one
 *       in the ranking. It returns once R nodes have the chunk, and fails (IllegalStateException)
 *       when fewer than {@code writeQuorum} (W) do.</li>
 *   <li>read and size ask the nodes in ranking order and fall back to the next on a failure or a
 *       missing copy, so a chunk stays readable while any node holding it answers; adding nodes
 *       changes rankings, and the fallback still finds chunks placed under the old topology.</li>
 *   <li>delete removes every copy (true when one existed; per-id lock, so exactly one of
 *       concurrent deletes in this process returns true); list is the union over all nodes.</li>
 *   <li>{@link #repair(String)} copies a chunk onto its top R live nodes from any replica.</li>
 * </ul>
 *
 * <p>A node whose call fails (not a missing chunk, not a bad range) is <em>suspect</em> for
 * {@link #SUSPECT_FOR}: put, read and size try the other nodes first and a suspect one only when
 * they do not suffice, so a stopped node (whose connects may hang until the client's connect
 * timeout) costs at most one such wait per period per process instead of one per chunk. A put that
 * passes over a suspect node lands on the next node in the ranking, where reads still find it and
 * a scrub later copies it back onto the top R. Any successful call on the node clears it.
 */
public final class PlacedChunkStore implements ChunkStore {
    private static final Logger LOG = LoggerFactory.getLogger(PlacedChunkStore.class);

    /** A storage node: its id (the hashing key) and its chunk store (usually an {@link HttpChunkStore}). */
    public record Node(String id, ChunkStore store) {
        public Node {
            ChunkStore.checkId(id);
        }
    }

    private final List<Node> nodes;
    private final int replicas;
    private final int writeQuorum;
    private final ExecutorService writers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "placed-chunk-put");
        t.setDaemon(true);
        return t;
    });
    private final KeyedLocks deleteLocks = new KeyedLocks(64);
    private final Placement current;
    /** How long a failing node is tried last. */
    public static final java.time.Duration SUSPECT_FOR = java.time.Duration.ofSeconds(10);
    private final java.util.function.LongSupplier nanoTime;
    /** Node id to the System.nanoTime()-scale instant until which it is tried last. */
    private final java.util.concurrent.ConcurrentHashMap<String, Long> suspectUntil = new java.util.concurrent.ConcurrentHashMap<>();

    public PlacedChunkStore(List<Node> nodes, int replicas, int writeQuorum) {
        this(nodes, replicas, writeQuorum, System::nanoTime);
    }

    /** As above, with the clock that times suspicion (tests pass a manual one). */
    PlacedChunkStore(List<Node> nodes, int replicas, int writeQuorum, java.util.function.LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        if (nodes.isEmpty()) throw new IllegalArgumentException("no storage nodes");
        if (replicas < 1 || replicas > nodes.size()) throw new IllegalArgumentException("replicas must be 1.." + nodes.size() + ", got " + replicas);
        if (writeQuorum < 1 || writeQuorum > replicas) throw new IllegalArgumentException("write quorum must be 1.." + replicas + ", got " + writeQuorum);
        Set<String> ids = new HashSet<>();
        for (Node n : nodes) if (!ids.add(n.id())) throw new IllegalArgumentException("duplicate node id " + n.id());
        this.nodes = List.copyOf(nodes);
        this.replicas = replicas;
        this.writeQuorum = writeQuorum;
        this.current = new Placement(nodes.stream().map(Node::id).sorted().toList(), replicas);
    }

    /** The nodes in rendezvous order for {@code id}: the first R hold it. */
    public List<Node> ranking(String id) {
        return rank(nodes, id);
    }

    private static List<Node> rank(List<Node> among, String id) {
        List<Node> ranked = new ArrayList<>(among);
        ranked.sort(Comparator.comparingLong((Node n) -> score(n.id(), id)).reversed().thenComparing(Node::id));
        return ranked;
    }

    /**
     * The order in which a chunk's copies are looked for, and the first R of which should hold it:
     * the rendezvous ranking over the nodes of the placement it was written under (those still
     * configured), then every other node in today's ranking. A chunk with no recorded placement is
     * ranked over today's nodes. So adding nodes moves no chunk and costs no read a miss.
     */
    public List<Node> ranking(ChunkRef chunk) {
        Placement p = chunk.placement();
        if (p == null || p.nodes().equals(current.nodes())) return ranking(chunk.id());
        java.util.Set<String> then = new HashSet<>(p.nodes());
        List<Node> before = new ArrayList<>();
        for (Node n : nodes) if (then.contains(n.id())) before.add(n);
        List<Node> order = rank(before, chunk.id());
        for (Node n : ranking(chunk.id())) if (!then.contains(n.id())) order.add(n);
        return order;
    }

    /** Today's topology: every configured node id (sorted) and R. */
    @Override
    public Placement placement() {
        return current;
    }

    private static long score(String nodeId, String chunkId) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(nodeId.getBytes(StandardCharsets.US_ASCII));
            md.update((byte) '/');
            byte[] h = md.digest(chunkId.getBytes(StandardCharsets.US_ASCII));
            long v = 0;
            for (int i = 0; i < 8; i++) v = (v << 8) | (h[i] & 0xff);
            return v >>> 1; // non-negative, so the order is the same as unsigned
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void put(String id, ByteBuffer data) {
        List<Node> ranked = suspectsLast(ranking(id));
        List<CompletableFuture<Void>> first = new ArrayList<>();
        for (Node n : ranked.subList(0, replicas)) {
            ByteBuffer view = data.duplicate();
            first.add(CompletableFuture.runAsync(() -> tracked(n, () -> {
                n.store().put(id, view);
                return null;
            }), writers));
        }
        int stored = 0;
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < first.size(); i++) {
            try {
                first.get(i).join();
                stored++;
            } catch (RuntimeException e) {
                errors.add(ranked.get(i).id() + ": " + rootMessage(e));
            }
        }
        for (int next = replicas; stored < replicas && next < ranked.size(); next++) {
            Node n = ranked.get(next);
            try {
                tracked(n, () -> {
                    n.store().put(id, data.duplicate());
                    return null;
                });
                stored++;
            } catch (RuntimeException e) {
                errors.add(n.id() + ": " + rootMessage(e));
            }
        }
        if (stored < writeQuorum) {
            throw new IllegalStateException("chunk " + id + " stored on " + stored + " node(s), " + writeQuorum + " required: " + errors);
        }
        if (!errors.isEmpty()) LOG.warn("chunk {} stored on {} of {} nodes; failed: {}", id, stored, replicas, errors);
    }

    /** {@code order} with the nodes under suspicion moved to the end, each part in its own order. */
    List<Node> suspectsLast(List<Node> order) {
        if (suspectUntil.isEmpty()) return order;
        long now = nanoTime.getAsLong();
        List<Node> live = new ArrayList<>(order.size());
        List<Node> suspect = new ArrayList<>();
        for (Node n : order) {
            Long until = suspectUntil.get(n.id());
            (until != null && until - now > 0 ? suspect : live).add(n);
        }
        live.addAll(suspect);
        return live;
    }

    /**
     * Runs one call on node {@code n}: success clears its suspicion; a failure other than a missing
     * chunk or a bad argument (the node answered) makes it suspect for {@link #SUSPECT_FOR}.
     */
    private <T> T tracked(Node n, java.util.function.Supplier<T> call) {
        try {
            T result = call.get();
            answered(n);
            return result;
        } catch (ChunkNotFoundException | IllegalArgumentException e) {
            answered(n);
            throw e;
        } catch (RuntimeException e) {
            if (suspectUntil.put(n.id(), nanoTime.getAsLong() + SUSPECT_FOR.toNanos()) == null) {
                LOG.warn("storage node {} failed ({}); tried last for {} s", n.id(), rootMessage(e), SUSPECT_FOR.toSeconds());
            }
            throw e;
        }
    }

    /**
     * The configured node ids, each with whether it is suspect now: its last call failed and it has
     * not answered since (it is tried last for {@link #SUSPECT_FOR} after each failure, then probed).
     */
    public java.util.Map<String, Boolean> suspects() {
        java.util.Map<String, Boolean> out = new java.util.TreeMap<>();
        for (Node n : nodes) out.put(n.id(), suspectUntil.containsKey(n.id()));
        return out;
    }

    /** {@code n} answered a call: it is no longer suspect. */
    private void answered(Node n) {
        if (!suspectUntil.isEmpty() && suspectUntil.remove(n.id()) != null) LOG.info("storage node {} answers again", n.id());
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null && t instanceof java.util.concurrent.CompletionException) t = t.getCause();
        return t.getMessage();
    }

    @Override
    public byte[] read(String id, long offset, int length) {
        return fromReplicas(id, ranking(id), s -> s.read(id, offset, length));
    }

    @Override
    public byte[] read(ChunkRef chunk, long offset, int length) {
        return fromReplicas(chunk.id(), ranking(chunk), s -> s.read(chunk.id(), offset, length));
    }

    @Override
    public void readInto(String id, long offset, ByteBuffer dst) {
        ChunkStore.checkDestination(dst);
        int start = dst.position();
        fromReplicas(id, ranking(id), s -> {
            dst.position(start); // a replica that failed half-way may have moved it
            s.readInto(id, offset, dst);
            return null;
        });
    }

    @Override
    public void readInto(ChunkRef chunk, long offset, ByteBuffer dst) {
        ChunkStore.checkDestination(dst);
        int start = dst.position();
        fromReplicas(chunk.id(), ranking(chunk), s -> {
            dst.position(start);
            s.readInto(chunk.id(), offset, dst);
            return null;
        });
    }

    /** Asks the replicas in the given order; the first that has the chunk answers. */
    private <T> T fromReplicas(String id, List<Node> order, Function<ChunkStore, T> op) {
        List<String> errors = new ArrayList<>();
        for (Node n : suspectsLast(order)) {
            try {
                return tracked(n, () -> op.apply(n.store()));
            } catch (ChunkNotFoundException e) {
                // not on this node: try the next
            } catch (IllegalArgumentException e) {
                throw e; // a bad range is the caller's error on every replica
            } catch (RuntimeException e) {
                errors.add(n.id() + ": " + e.getMessage());
            }
        }
        if (errors.isEmpty()) throw new ChunkNotFoundException(id);
        throw new IllegalStateException("no replica of chunk " + id + " could be read: " + errors);
    }

    @Override
    public long size(String id) {
        List<String> errors = new ArrayList<>();
        for (Node n : suspectsLast(ranking(id))) {
            try {
                long s = tracked(n, () -> n.store().size(id));
                if (s >= 0) return s;
            } catch (RuntimeException e) {
                errors.add(n.id() + ": " + e.getMessage());
            }
        }
        if (errors.isEmpty()) return -1;
        throw new IllegalStateException("chunk " + id + " not found on the nodes that answered, and some did not: " + errors);
    }

    @Override
    public boolean delete(String id) {
        return deleteLocks.with(id, () -> {
            boolean any = false;
            List<String> errors = new ArrayList<>();
            for (Node n : nodes) {
                try {
                    any |= n.store().delete(id);
                } catch (RuntimeException e) {
                    errors.add(n.id() + ": " + e.getMessage());
                }
            }
            if (!errors.isEmpty()) {
                if (!any) throw new IllegalStateException("delete of chunk " + id + " failed: " + errors);
                LOG.warn("chunk {} deleted, but not on every node (a scrub removes the rest): {}", id, errors);
            }
            return any;
        });
    }

    @Override
    public void list(String startAfter, Predicate<String> visitor) {
        TreeSet<String> all = new TreeSet<>();
        for (Node n : nodes) n.store().list(startAfter, id -> all.add(id) || true);
        for (String id : all) if (!visitor.test(id)) return;
    }

    /**
     * Makes sure the chunk is on its top R live nodes, copying it from any replica; returns how many
     * copies were made. A chunk no node holds is a {@link ChunkNotFoundException}.
     */
    public int repair(String id) {
        List<Node> live = new ArrayList<>();
        List<Long> sizes = new ArrayList<>();
        Node source = null;
        long size = -1;
        for (Node n : ranking(id)) {
            long s;
            try {
                s = n.store().size(id);
            } catch (RuntimeException e) {
                continue; // a dead node neither holds nor receives a copy
            }
            live.add(n);
            sizes.add(s);
            if (s >= 0 && source == null) {
                source = n;
                size = s;
            }
        }
        if (source == null) throw new ChunkNotFoundException(id);
        ByteBuffer bytes = null;
        int copied = 0;
        for (int i = 0; i < Math.min(replicas, live.size()); i++) {
            if (sizes.get(i) >= 0) continue;
            if (bytes == null) bytes = ByteBuffer.wrap(source.store().read(id, 0, (int) size));
            live.get(i).store().put(id, bytes.duplicate());
            copied++;
        }
        return copied;
    }

    /**
     * Checks every copy of a committed chunk on its first R live nodes ({@link #ranking(ChunkRef)}):
     * present, of the recorded length and CRC32C. With {@code repair}, each missing or corrupt copy
     * is rewritten (a corrupt one deleted first) from a verified copy found on any live node. The
     * chunk is fine when R live nodes hold a good copy; with fewer than R live nodes it cannot be.
     */
    @Override
    public ChunkCheck check(ChunkRef chunk, boolean repair) {
        List<String> problems = new ArrayList<>();
        List<Node> targets = new ArrayList<>();
        List<Node> others = new ArrayList<>();
        for (Node n : ranking(chunk)) {
            try {
                n.store().size(chunk.id()); // liveness: a dead node neither holds nor receives a copy
            } catch (RuntimeException e) {
                problems.add(n.id() + ": not answering");
                continue;
            }
            if (targets.size() < replicas) targets.add(n);
            else others.add(n);
        }
        int good = 0;
        byte[] source = null;
        List<Node> bad = new ArrayList<>();
        for (Node n : targets) {
            Copy c = copy(n, chunk);
            if (c.problem() == null) {
                good++;
                if (source == null) source = c.bytes();
            } else {
                problems.add(n.id() + ": " + c.problem());
                bad.add(n);
            }
        }
        if (bad.isEmpty() || !repair) return new ChunkCheck(chunk.id(), good, replicas, 0, problems);
        for (int i = 0; source == null && i < others.size(); i++) source = copy(others.get(i), chunk).bytes();
        if (source == null) {
            problems.add("no good copy on any live node");
            return new ChunkCheck(chunk.id(), good, replicas, 0, problems);
        }
        int repaired = 0;
        for (Node n : bad) {
            try {
                n.store().delete(chunk.id()); // a corrupt copy; put would keep it
                n.store().put(chunk.id(), ByteBuffer.wrap(source));
                repaired++;
                problems.add(n.id() + ": repaired");
            } catch (RuntimeException e) {
                problems.add(n.id() + ": repair failed: " + e.getMessage());
            }
        }
        return new ChunkCheck(chunk.id(), good, replicas, repaired, problems);
    }

    /** A node's copy of a chunk: its bytes when it verifies, else what is wrong with it. */
    private record Copy(byte[] bytes, String problem) {}

    private static Copy copy(Node n, ChunkRef chunk) {
        try {
            long size = n.store().size(chunk.id());
            if (size < 0) return new Copy(null, "missing");
            byte[] b = size == chunk.length() ? n.store().read(chunk.id(), 0, (int) size) : null;
            String wrong = ChunkStore.verify(chunk, size, o -> o == 0 ? b : new byte[0]);
            return wrong == null ? new Copy(b, null) : new Copy(null, wrong);
        } catch (RuntimeException e) {
            return new Copy(null, "unreadable: " + e.getMessage());
        }
    }

    /** The outcome of {@link #scrub}. */
    public record ScrubSummary(long chunks, long copiesMade, long failed, List<String> deadNodes) {}

    /**
     * Walks every chunk id found on the live nodes and {@link #repair repairs} each, reporting the
     * number of chunks done so far to {@code progress}. Nodes that do not answer are listed as dead.
     */
    public ScrubSummary scrub(java.util.function.LongConsumer progress) {
        TreeSet<String> ids = new TreeSet<>();
        List<String> dead = new ArrayList<>();
        for (Node n : nodes) {
            try {
                n.store().list(null, id -> ids.add(id) || true);
            } catch (RuntimeException e) {
                dead.add(n.id());
            }
        }
        long copies = 0;
        long failed = 0;
        long done = 0;
        for (String id : ids) {
            try {
                copies += repair(id);
            } catch (RuntimeException e) {
                failed++;
                LOG.warn("repair of chunk {} failed: {}", id, e.toString());
            }
            progress.accept(++done);
        }
        return new ScrubSummary(ids.size(), copies, failed, dead);
    }

    @Override
    public void close() {
        writers.shutdownNow();
        for (Node n : nodes) {
            try {
                n.store().close();
            } catch (RuntimeException e) {
                LOG.warn("closing node {}: {}", n.id(), e.toString());
            }
        }
    }
}
