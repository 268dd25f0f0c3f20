package dev.strata.cli;

import dev.strata.storage.PlacedChunkStore;
import dev.strata.storage.PlacementConfig;
import java.time.Duration;

/**
 * {@code strata fsck --storage-nodes ID=URL,... [--replicas R]}: checks that every chunk found on
 * the live storage nodes has R copies on its top live nodes (rendezvous order) and re-replicates
 * the missing ones, with progress and a summary. Exit 0 when every chunk was checked and repaired, 1
 * when some could not be, 2 on bad options.
 */
final class FsckCommand {
    static final String USAGE = """
            usage: strata fsck --storage-nodes ID=http://HOST:PORT,... [--replicas R]
              fsck          check every chunk on the storage nodes and re-replicate missing copies (R default 2)
            """;

    private FsckCommand() {}

    static PlacementConfig config(String[] args) {
        String spec = null;
        String replicas = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            int eq = a.indexOf('=');
            String name = a.startsWith("--") && eq > 0 ? a.substring(0, eq) : a;
            String value;
            if (a.startsWith("--") && eq > 0) value = a.substring(eq + 1);
            else if (i + 1 < args.length) value = args[++i];
            else throw new IllegalArgumentException(name + " needs a value");
            switch (name) {
                case "--storage-nodes" -> spec = value;
                case "--replicas" -> replicas = value;
                default -> throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        }
        if (spec == null) throw new IllegalArgumentException("--storage-nodes is required");
        var nodes = PlacementConfig.parseNodes(spec);
        int r;
        try {
            r = replicas == null ? Math.min(2, nodes.size()) : Integer.parseInt(replicas);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--replicas must be a number, got '" + replicas + "'");
        }
        return new PlacementConfig(nodes, r, 1);
    }

    static int run(String[] args) {
        PlacementConfig config;
        try {
            config = config(args);
        } catch (IllegalArgumentException e) {
            System.err.println("strata fsck: " + e.getMessage());
            System.err.print(USAGE);
            return 2;
        }
        try (PlacedChunkStore store = config.open(Duration.ofSeconds(30))) {
            System.out.println("fsck: checking chunks on " + config.nodes().size() + " storage nodes, " + config.replicas() + " copies each");
            PlacedChunkStore.ScrubSummary s = store.scrub(done -> {
                if (done % 100 == 0) System.out.println("fsck: " + done + " chunks checked");
            });
            System.out.println("fsck: done: " + s.chunks() + " chunks checked, " + s.copiesMade() + " copies made, " + s.failed()
                    + " failed" + (s.deadNodes().isEmpty() ? "" : ", nodes not answering: " + String.join(", ", s.deadNodes())));
            return s.failed() == 0 ? 0 : 1;
        }
    }
}
