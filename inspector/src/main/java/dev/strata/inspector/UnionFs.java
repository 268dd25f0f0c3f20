package dev.strata.inspector;

import dev.strata.core.spi.ImageInspector.Change;
import dev.strata.core.spi.ImageInspector.FsEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The filesystem a container sees, merged from layers bottom to top with the union-mount rules of
 * overlay2 and aufs (as the OCI image-spec's "Applying changesets" states them):
 * <ul>
 *   <li>an entry of an upper layer shadows the same path below; a non-directory that replaces a
 *       directory hides everything below that directory;</li>
 *   <li>a whiteout {@code .wh.<name>} deletes {@code <name>} and everything below it from the lower
 *       layers;</li>
 *   <li>an opaque marker {@code .wh..wh..opq} hides every lower entry below its directory (the
 *       directory itself stays);</li>
 *   <li>markers apply to lower layers only, never to entries of their own layer;</li>
 *   <li>a parent directory that a layer does not list is created (mode 0755, owner 0:0) and
 *       attributed to that layer, as extraction would create it.</li>
 * </ul>
 * Pure: no I/O. Size is bounded by the caller (entries per layer and per image).
 */
public final class UnionFs {
    /** An entry of the merged tree and the index of the layer it comes from. */
    record Node(LayerEntry entry, int layer) {}

    /** Non-directory paths a layer added, changed (shadowed) and deleted relative to the layers below. */
    public record LayerStats(int added, int changed, int deleted) {}

    private final TreeMap<String, Node> tree = new TreeMap<>();
    private final List<String> layers = new ArrayList<>();
    private final List<LayerStats> stats = new ArrayList<>();
    private final int maxEntries;

    public UnionFs(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    /** Applies the next layer (upper to all applied so far). */
    public LayerStats apply(String layerDigest, List<LayerEntry> entries) {
        int layer = layers.size();
        layers.add(layerDigest);
        int added = 0;
        int changed = 0;
        int deleted = 0;
        for (LayerEntry e : entries) {
            if (e.type() == LayerEntry.OPAQUE) deleted += removeBelow(e.path(), layer);
        }
        for (LayerEntry e : entries) {
            if (e.type() == LayerEntry.WHITEOUT) {
                Node n = tree.get(e.path());
                if (n != null && n.layer() < layer) {
                    deleted += removeBelow(e.path(), layer);
                    tree.remove(e.path());
                    if (n.entry().type() != LayerEntry.DIR) deleted++;
                }
            }
        }
        for (LayerEntry e : entries) {
            if (e.isMarker()) continue;
            Node lower = tree.get(e.path());
            boolean dir = e.type() == LayerEntry.DIR;
            if (!dir) {
                if (lower == null) added++;
                else if (lower.layer() < layer) changed++;
            }
            if (lower != null && lower.entry().type() == LayerEntry.DIR && !dir) deleted += removeBelow(e.path(), layer + 1);
            ensureParents(e.path(), layer);
            tree.put(e.path(), new Node(e, layer));
            if (tree.size() > maxEntries) {
                throw dev.strata.core.oci.OciError.UNAVAILABLE.exception("the merged filesystem has more than " + maxEntries + " entries");
            }
        }
        LayerStats s = new LayerStats(added, changed, deleted);
        stats.add(s);
        return s;
    }

    /** Removes the entries strictly below {@code dir} that come from layers under {@code layer}; returns the non-directories removed. */
    private int removeBelow(String dir, int layer) {
        NavigableMap<String, Node> below = descendants(dir);
        int n = 0;
        var it = below.entrySet().iterator();
        while (it.hasNext()) {
            Node node = it.next().getValue();
            if (node.layer() < layer) {
                if (node.entry().type() != LayerEntry.DIR) n++;
                it.remove();
            }
        }
        return n;
    }

    private NavigableMap<String, Node> descendants(String dir) {
        String prefix = dir.equals("/") ? "/" : dir + "/";
        return tree.subMap(prefix, true, prefix.substring(0, prefix.length() - 1) + "0", false);
    }

    private void ensureParents(String path, int layer) {
        int slash = path.lastIndexOf('/');
        if (slash <= 0) return;
        String parent = path.substring(0, slash);
        Node p = tree.get(parent);
        if (p != null && p.entry().type() == LayerEntry.DIR) return;
        ensureParents(parent, layer);
        if (p != null) removeBelow(parent, layer + 1);
        tree.put(parent, new Node(new LayerEntry(parent, LayerEntry.DIR, 0, 0755, 0, 0, null, null, 0), layer));
    }

    public List<LayerStats> stats() { return List.copyOf(stats); }

    public int size() { return tree.size(); }

    /** The entry at {@code path} ("/" is the root directory), or null. */
    public FsEntry get(String path) {
        if (path.equals("/")) return new FsEntry("/", "dir", 0, 0755, 0, 0, null, null, null);
        Node n = tree.get(path);
        return n == null ? null : view(n);
    }

    /** Where the content of a regular file (or of a hardlink's target) lives: the entry and its layer. */
    public record Located(LayerEntry entry, String layer) {}

    public Located locate(String path) {
        Node n = tree.get(path);
        if (n != null && n.entry().type() == LayerEntry.HARDLINK) n = tree.get(n.entry().link());
        return n == null || n.entry().type() != LayerEntry.FILE ? null : new Located(n.entry(), layers.get(n.layer()));
    }

    /** Direct children of {@code dir} in name order, at most {@code max}. */
    public List<FsEntry> children(String dir, int max) {
        String prefix = dir.equals("/") ? "/" : dir + "/";
        List<FsEntry> out = new ArrayList<>();
        String k = tree.ceilingKey(prefix);
        while (k != null && k.startsWith(prefix) && out.size() < max) {
            int slash = k.indexOf('/', prefix.length());
            if (slash < 0) {
                out.add(view(tree.get(k)));
                k = tree.higherKey(k);
            } else {
                k = tree.ceilingKey(k.substring(0, slash) + "0");
            }
        }
        return out;
    }

    /** The API view; a hardlink shows its target's inode: size, content, mode and owner. */
    private FsEntry view(Node n) {
        LayerEntry e = n.entry();
        LayerEntry meta = e;
        if (e.type() == LayerEntry.HARDLINK) {
            Node t = tree.get(e.link());
            if (t != null) meta = t.entry();
        }
        return new FsEntry(e.path(), LayerEntry.typeName(e.type()), meta.size(), meta.mode(), meta.uid(), meta.gid(), e.link(),
                meta.digest(), layers.get(n.layer()));
    }

    /** The result of {@link #diff}. */
    public record DiffResult(int added, int removed, int changed, List<Change> changes, boolean truncated) {}

    /**
     * Paths added, removed and changed going from {@code from} to {@code to}. Changed means another
     * type, size, mode, owner, link target or content digest (when both digests are known).
     */
    public static DiffResult diff(UnionFs from, UnionFs to, int max) {
        int added = 0;
        int removed = 0;
        int changed = 0;
        List<Change> changes = new ArrayList<>();
        var a = from.tree.entrySet().iterator();
        var b = to.tree.entrySet().iterator();
        Map.Entry<String, Node> x = a.hasNext() ? a.next() : null;
        Map.Entry<String, Node> y = b.hasNext() ? b.next() : null;
        while (x != null || y != null) {
            int c = x == null ? 1 : y == null ? -1 : x.getKey().compareTo(y.getKey());
            Change ch = null;
            if (c < 0) {
                removed++;
                ch = new Change(x.getKey(), "removed", from.view(x.getValue()), null);
                x = a.hasNext() ? a.next() : null;
            } else if (c > 0) {
                added++;
                ch = new Change(y.getKey(), "added", null, to.view(y.getValue()));
                y = b.hasNext() ? b.next() : null;
            } else {
                FsEntry f = from.view(x.getValue());
                FsEntry t = to.view(y.getValue());
                if (!sameContent(f, t)) {
                    changed++;
                    ch = new Change(x.getKey(), "changed", f, t);
                }
                x = a.hasNext() ? a.next() : null;
                y = b.hasNext() ? b.next() : null;
            }
            if (ch != null && changes.size() < max) changes.add(ch);
        }
        return new DiffResult(added, removed, changed, changes, added + removed + changed > changes.size());
    }

    private static boolean sameContent(FsEntry f, FsEntry t) {
        return f.type().equals(t.type()) && f.size() == t.size() && f.mode() == t.mode() && f.uid() == t.uid()
                && f.gid() == t.gid() && Objects.equals(f.link(), t.link())
                && (f.digest() == null || t.digest() == null || f.digest().equals(t.digest()));
    }
}
