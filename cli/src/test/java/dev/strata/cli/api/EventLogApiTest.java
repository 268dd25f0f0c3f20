package dev.strata.cli.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.core.events.Event;
import dev.strata.core.events.EventCodec;
import dev.strata.core.oci.Digest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/** Every metadata change of a push is an event on the Kafka topics, readable by anyone. */
class EventLogApiTest {
    private final Api api = TestRegistry.api();

    private static List<Event> read(String topic, String key) {
        Properties p = new Properties();
        p.put("bootstrap.servers", TestRegistry.node().bootstrapServers());
        List<Event> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = c.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            var end = c.endOffsets(tps);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (!key.equals(r.key())) continue;
                    String type = new String(r.headers().lastHeader(EventCodec.TYPE_HEADER).value(), StandardCharsets.UTF_8);
                    int version = Integer.parseInt(new String(r.headers().lastHeader(EventCodec.VERSION_HEADER).value(), StandardCharsets.UTF_8));
                    out.add(EventCodec.decode(type, version, r.value()));
                }
            }
        }
        return out;
    }

    @Test
    void aPushIsASequenceOfEventsOnTheLog() {
        String repo = Api.uniqueRepo("events/app");
        byte[] manifest = api.pushImage(repo, "v1", 1);
        String digest = Digest.sha256(manifest).toString();
        assertEquals(202, api.delete("/v2/" + repo + "/manifests/v1").statusCode());

        List<String> types = read("strata.repositories", repo).stream().map(EventCodec::typeName).toList();
        assertEquals(List.of("BlobLinked", "BlobLinked", "ManifestPushed", "TagUpdated", "TagDeleted"), types);
        Event.ManifestPushed pushed = read("strata.repositories", repo).stream()
                .filter(e -> e instanceof Event.ManifestPushed).map(e -> (Event.ManifestPushed) e).findFirst().orElseThrow();
        assertEquals(digest, pushed.digest());
        assertEquals(2, pushed.blobs().size());

        String layer = pushed.blobs().get(1);
        List<Event> blobEvents = read("strata.blobs", layer);
        assertEquals(1, blobEvents.size());
        Event.BlobCommitted committed = (Event.BlobCommitted) blobEvents.get(0);
        List<String> uploadTypes = read("strata.uploads", committed.uploadId()).stream().map(EventCodec::typeName).toList();
        // a monolithic upload: its only chunk travels in BlobCommitted, no separate append
        assertEquals(List.of("UploadStarted", "UploadCompleted"), uploadTypes);
        assertEquals(1, committed.chunks().size());
        assertEquals(committed.size(), committed.chunks().get(0).length());
        assertTrue(committed.size() > 0);
    }
}
