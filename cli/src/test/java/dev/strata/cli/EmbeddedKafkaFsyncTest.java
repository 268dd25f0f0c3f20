package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code strata serve --fsync} makes the embedded broker flush its log after every message: its
 * effective {@code log.flush.interval.messages} (and a Strata topic's {@code flush.messages}), read
 * back from the running broker with the Admin client, is 1; without the flag it is Kafka's default
 * (never forced by message count: the page cache).
 */
class EmbeddedKafkaFsyncTest {
    @TempDir
    Path dir;

    private static Map<ConfigResource, Config> describe(String bootstrap, ConfigResource... resources) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            return admin.describeConfigs(List.of(resources)).all().get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void serveWithFsyncFlushesEveryEvent() throws Exception {
        ServeConfig c = Main.serveConfig(new String[] {"--addr", "127.0.0.1:0", "--data", dir.resolve("data").toString(), "--fsync"});
        try (SingleNode node = SingleNode.start(c)) {
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "strata.uploads");
            Map<ConfigResource, Config> configs = describe(node.bootstrapServers(), broker, topic);
            assertEquals("1", configs.get(broker).get("log.flush.interval.messages").value());
            assertEquals("1", configs.get(topic).get("flush.messages").value(), "the topics inherit the broker's flush");
        }
    }

    @Test
    void withoutFsyncTheBrokerLeavesFlushingToTheOs() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
            assertEquals(Long.toString(Long.MAX_VALUE), describe(kafka.bootstrapServers(), broker).get(broker)
                    .get("log.flush.interval.messages").value());
        }
    }
}
