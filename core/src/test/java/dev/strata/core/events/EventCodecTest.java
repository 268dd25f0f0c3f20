package dev.strata.core.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.core.events.EventCodec.UnknownEventException;
import dev.strata.core.oci.Descriptor;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class EventCodecTest {
    static final String D1 = "sha256:" + "1".repeat(64);
    static final String D2 = "sha256:" + "2".repeat(64);
    static final String D3 = "sha256:" + "3".repeat(64);
    static final String D4 = "sha512:" + "4".repeat(128);
    static final long AT = 1_732_876_543_210L;
    static final String UPLOAD = "0b9f6f0e-6f3e-4c53-9a0b-2b1d2f3c4d5e";

    /** One realistic event of every type. Add a case here when adding an event type. */
    static List<Event> samples() {
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put("org.opencontainers.image.created", "2024-11-29T10:00:00Z");
        annotations.put("org.opencontainers.image.title", "café ☕ \"quoted\" \\ back\nslash");
        return List.of(
                new Event.UploadStarted(UPLOAD, "library/alpine", AT),
                new Event.UploadChunksAppended(UPLOAD, 8L << 30,
                        List.of(new Event.ChunkRef(UPLOAD + ".0", 4 << 20), new Event.ChunkRef(UPLOAD + ".1", 123)), AT + 1),
                new Event.UploadCompleted(UPLOAD, D1, AT + 2),
                new Event.UploadChunksHeld(UPLOAD, List.of("c-18c2f7a1b00-" + "0".repeat(32)), AT + 2),
                new Event.UploadCancelled(UPLOAD, "expired after 24h", AT + 3),
                new Event.BlobCommitted(D1, (4L << 20) + 123,
                        List.of(new Event.ChunkRef(UPLOAD + ".0", 4 << 20), new Event.ChunkRef(UPLOAD + ".1", 123)), UPLOAD, AT + 4),
                new Event.BlobCommitted(D1, (4L << 20) + 123,
                        List.of(new Event.ChunkRef(UPLOAD + ".0", 4 << 20, 0xE3069283L, new Event.Placement(List.of("n0", "n1"), 2)),
                                new Event.ChunkRef(UPLOAD + ".1", 123, 0L, new Event.Placement(List.of("n0", "n1", "n2"), 2))),
                        UPLOAD, AT + 4, 4 << 20),
                new Event.BlobLinked("team-a/app", D1, AT + 5),
                new Event.BlobUnlinked("team-a/app", D1, AT + 6),
                new Event.ManifestPushed("team-a/app", D2, "application/vnd.oci.image.manifest.v1+json", 1234,
                        "m-" + D2.substring(7), List.of(D1, D3), List.of(D4),
                        new Descriptor("application/vnd.oci.image.index.v1+json", D3, 987, "application/vnd.example+type",
                                Map.of("k", "v")),
                        "application/vnd.example.sbom.v1+json", annotations, AT + 7),
                new Event.TagUpdated("team-a/app", "v1.2.3", D2, AT + 8, "alice"),
                new Event.TagDeleted("team-a/app", "v1.2.3", AT + 9, "bob@10.0.0.1"),
                new Event.ManifestDeleted("team-a/app", D2, AT + 10, null),
                new Event.BlobDeletionScheduled(D1, List.of(new Event.ChunkRef(UPLOAD + ".0", 4 << 20)), AT + 11),
                new Event.BlobDeletionCancelled(D1, "referenced by team-a/app@" + D2, AT + 12),
                new Event.BlobDeleted(D1, List.of(new Event.ChunkRef(UPLOAD + ".0", 4 << 20)), 4 << 20, AT + 13),
                new Event.QuotaSet("team-a", 50L << 30, AT + 14, "admin"),
                new Event.ManifestBytesDeleted(D2, "m-sha256-" + D2.substring(7), AT + 10, AT + 15));
    }

    static Event roundTrip(Event e) {
        byte[] bytes = EventCodec.encode(e);
        return EventCodec.decode(EventCodec.typeName(e), EventCodec.VERSION, bytes);
    }

    @Test
    void samplesCoverEveryRegisteredType() {
        Set<String> sampled = samples().stream().map(EventCodec::typeName).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(EventCodec.typeNames()), sampled,
                "every registered event type needs a round-trip sample in EventCodecTest.samples()");
        assertEquals(Event.class.getPermittedSubclasses().length, EventCodec.typeNames().size());
    }

    @Test
    void everyTypeRoundTrips() {
        for (Event e : samples()) {
            Event back = roundTrip(e);
            assertEquals(e, back, EventCodec.typeName(e));
            assertEquals(e.getClass(), back.getClass());
            assertEquals(e.topic(), back.topic());
            assertEquals(e.key(), back.key());
        }
    }

    @Test
    void nullOptionalFieldsRoundTrip() {
        Event.ManifestPushed minimal = new Event.ManifestPushed("a", D2, "application/vnd.docker.distribution.manifest.v2+json",
                10, "c", List.of(D1), List.of(), null, null, Map.of(), AT);
        assertEquals(minimal, roundTrip(minimal));
        Event.UploadCancelled noReason = new Event.UploadCancelled(UPLOAD, null, AT);
        assertEquals(noReason, roundTrip(noReason));
        Event.ManifestPushed descriptorWithoutOptionals = new Event.ManifestPushed("a", D2, "application/vnd.oci.image.manifest.v1+json",
                10, "c", List.of(), List.of(), new Descriptor("application/vnd.oci.image.manifest.v1+json", D1, 5, null, null),
                null, Map.of(), AT);
        assertEquals(descriptorWithoutOptionals, roundTrip(descriptorWithoutOptionals));
    }

    @Test
    void encodingIsJsonWithoutTypeMachinery() {
        String json = new String(EventCodec.encode(new Event.TagUpdated("r", "t", D1, AT)), StandardCharsets.UTF_8);
        assertTrue(json.startsWith("{") && json.endsWith("}"), json);
        assertTrue(json.contains("\"tag\":\"t\""), json);
        // topic() and key() are derived, not fields
        assertFalse(json.contains("\"topic\""), json);
        assertFalse(json.contains("\"key\""), json);
    }

    @Test
    void typeNamesAreSimpleClassNames() {
        assertEquals("TagUpdated", EventCodec.typeName(new Event.TagUpdated("r", "t", D1, AT)));
        assertTrue(EventCodec.typeNames().contains("BlobCommitted"));
        assertThrows(UnsupportedOperationException.class, () -> EventCodec.typeNames().add("Evil"));
    }

    @Test
    void topicsAndKeys() {
        for (Event e : samples()) {
            assertNotNull(e.topic());
            assertNotNull(e.key());
        }
        assertEquals(Event.Topic.UPLOADS, new Event.UploadStarted(UPLOAD, "r", AT).topic());
        assertEquals(UPLOAD, new Event.UploadStarted(UPLOAD, "r", AT).key());
        assertEquals(Event.Topic.BLOBS, new Event.BlobCommitted(D1, 1, List.of(), UPLOAD, AT).topic());
        assertEquals(D1, new Event.BlobCommitted(D1, 1, List.of(), UPLOAD, AT).key());
        assertEquals(Event.Topic.REPOSITORIES, new Event.TagDeleted("repo/x", "t", AT).topic());
        assertEquals("repo/x", new Event.TagDeleted("repo/x", "t", AT).key());
    }

    @Test
    void unknownTypeIsAnError() {
        byte[] bytes = EventCodec.encode(new Event.TagDeleted("r", "t", AT));
        assertThrows(UnknownEventException.class, () -> EventCodec.decode("TagRenamed", 1, bytes));
        assertThrows(UnknownEventException.class, () -> EventCodec.decode(null, 1, bytes));
        assertThrows(UnknownEventException.class, () -> EventCodec.decode("", 1, bytes));
        assertThrows(UnknownEventException.class, () -> EventCodec.decode("tagdeleted", 1, bytes));
        assertThrows(UnknownEventException.class, () -> EventCodec.decode("Event$TagDeleted", 1, bytes));
    }

    @Test
    void futureOrInvalidVersionIsAnError() {
        byte[] bytes = EventCodec.encode(new Event.TagDeleted("r", "t", AT));
        assertThrows(UnknownEventException.class, () -> EventCodec.decode("TagDeleted", EventCodec.VERSION + 1, bytes));
        assertThrows(UnknownEventException.class, () -> EventCodec.decode("TagDeleted", Integer.MAX_VALUE, bytes));
        assertThrows(UnknownEventException.class, () -> EventCodec.decode("TagDeleted", 0, bytes));
        assertThrows(UnknownEventException.class, () -> EventCodec.decode("TagDeleted", -1, bytes));
    }

    @Test
    void garbageBytesAreAnError() {
        for (String type : EventCodec.typeNames()) {
            assertThrows(UnknownEventException.class, () -> EventCodec.decode(type, 1, new byte[] {(byte) 0xde, (byte) 0xad, 0, 1}), type);
            assertThrows(UnknownEventException.class, () -> EventCodec.decode(type, 1, "{\"repository\":".getBytes(StandardCharsets.UTF_8)), type);
            assertThrows(UnknownEventException.class, () -> EventCodec.decode(type, 1, "[1,2,3]".getBytes(StandardCharsets.UTF_8)), type);
            assertThrows(UnknownEventException.class, () -> EventCodec.decode(type, 1, new byte[0]), type);
            // JSON null is not an event: decode must never hand a consumer null
            assertThrows(UnknownEventException.class, () -> EventCodec.decode(type, 1, "null".getBytes(StandardCharsets.UTF_8)), type);
        }
    }

    @Test
    void wrongFieldTypesAreAnError() {
        assertThrows(UnknownEventException.class,
                () -> EventCodec.decode("TagUpdated", 1, "{\"repository\":\"r\",\"tag\":\"t\",\"digest\":\"d\",\"at\":\"yesterday\"}"
                        .getBytes(StandardCharsets.UTF_8)));
        assertThrows(UnknownEventException.class,
                () -> EventCodec.decode("BlobCommitted", 1, "{\"digest\":\"d\",\"size\":1,\"chunks\":\"notalist\",\"at\":1}"
                        .getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void unknownFieldsAreIgnoredForForwardCompatibleAdditions() {
        byte[] bytes = "{\"repository\":\"r\",\"tag\":\"t\",\"at\":5,\"addedLater\":true}".getBytes(StandardCharsets.UTF_8);
        assertEquals(new Event.TagDeleted("r", "t", 5), EventCodec.decode("TagDeleted", 1, bytes));
    }

    /**
     * Version 1 (before chunk checksums, placement and chunk size) still decodes, with those fields
     * null; version 2 carries them and round-trips.
     */
    @Test
    void version1BlobRecordsStillDecodeAndVersion2CarriesChecksumsAndPlacement() {
        String v1 = "{\"digest\":\"" + D1 + "\",\"size\":5,\"chunks\":[{\"id\":\"c-1\",\"length\":5}],\"uploadId\":\"u\",\"at\":7}";
        Event.BlobCommitted old = (Event.BlobCommitted) EventCodec.decode("BlobCommitted", 1, v1.getBytes(StandardCharsets.UTF_8));
        assertEquals(new Event.BlobCommitted(D1, 5, List.of(new Event.ChunkRef("c-1", 5)), "u", 7), old);
        assertEquals(null, old.chunks().get(0).crc32c());
        assertEquals(null, old.chunks().get(0).placement());
        assertEquals(null, old.chunkSize());
        String v1Append = "{\"uploadId\":\"u\",\"offset\":0,\"chunks\":[{\"id\":\"c-1\",\"length\":5}],\"at\":7}";
        assertEquals(new Event.UploadChunksAppended("u", 0, List.of(new Event.ChunkRef("c-1", 5)), 7),
                EventCodec.decode("UploadChunksAppended", 1, v1Append.getBytes(StandardCharsets.UTF_8)));

        assertEquals(2, EventCodec.VERSION);
        Event.BlobCommitted now = new Event.BlobCommitted(D1, 5,
                List.of(new Event.ChunkRef("c-1", 5, 0x1234L, new Event.Placement(List.of("a", "b", "c"), 2))), "u", 7, 4 << 20);
        Event back = EventCodec.decode("BlobCommitted", 2, EventCodec.encode(now));
        assertEquals(now, back);
        String json = new String(EventCodec.encode(now), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"crc32c\":4660") && json.contains("\"placement\":{\"nodes\":[\"a\",\"b\",\"c\"],\"replicas\":2}")
                && json.contains("\"chunkSize\":4194304"), json);
        Event.ManifestPushed pushed = new Event.ManifestPushed("a", D2, "application/vnd.oci.image.manifest.v1+json", 9, "m-sha256-2",
                List.of(), List.of(), null, null, null, 7, new Event.Placement(List.of("a", "b"), 1));
        assertEquals(pushed, EventCodec.decode("ManifestPushed", 2, EventCodec.encode(pushed)));
        assertEquals(new Event.ChunkRef("m-sha256-2", 9, null, new Event.Placement(List.of("a", "b"), 1)), pushed.chunk());
        String v1Manifest = "{\"repository\":\"a\",\"digest\":\"" + D2 + "\",\"mediaType\":\"x\",\"size\":9,\"chunkId\":\"m-sha256-2\","
                + "\"blobs\":[],\"manifests\":[],\"at\":7}";
        assertEquals(null, ((Event.ManifestPushed) EventCodec.decode("ManifestPushed", 1, v1Manifest.getBytes(StandardCharsets.UTF_8)))
                .chunkPlacement());
        assertThrows(UnknownEventException.class, () -> EventCodec.decode("BlobCommitted", 2,
                "{\"digest\":\"x\",\"size\":1,\"chunks\":[{\"id\":\"c\",\"length\":1,\"placement\":{\"nodes\":[],\"replicas\":1}}],\"at\":1}"
                        .getBytes(StandardCharsets.UTF_8)), "a placement with no nodes is rejected");
    }
}
