package dev.strata.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class YamlConfigTest {
    record Inner(String bootstrapServers, Integer partitions) {}

    record Sample(String listen, Path data, Inner kafka, List<String> urls, Map<String, String> nodes) {
        Sample {
            if (listen == null) listen = "127.0.0.1:1";
            if (kafka == null || kafka.bootstrapServers() == null) throw new IllegalArgumentException("kafka.bootstrapServers is required");
        }
    }

    @TempDir
    Path dir;

    private Path write(String yaml) throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void readsYamlResolvesRelativePathsAndAppliesDefaults() throws Exception {
        Sample s = YamlConfig.load(write("data: rel/dir\nkafka: {bootstrapServers: 'k:9092', partitions: 3}\nurls: [http://a:1]\n"),
                Sample.class, Set.of("data"), Map.of());
        assertEquals(dir.resolve("rel/dir"), s.data());
        assertEquals("127.0.0.1:1", s.listen());
        assertEquals(3, s.kafka().partitions());
        assertEquals(List.of("http://a:1"), s.urls());
    }

    @Test
    void environmentOverridesNestedListAndMapKeys() throws Exception {
        Sample s = YamlConfig.load(write("kafka: {bootstrapServers: 'k:9092'}\n"), Sample.class, Set.of(), Map.of(
                "STRATA_CONFIG_LISTEN", "0.0.0.0:9", "STRATA_CONFIG_KAFKA_BOOTSTRAP_SERVERS", "other:1",
                "STRATA_CONFIG_KAFKA_PARTITIONS", "12", "STRATA_CONFIG_URLS", "http://x:1, http://y:2",
                "STRATA_CONFIG_NODES", "a=http://a:1,b=http://b:2", "STRATA_CONFIG_UNRELATED", "ignored"));
        assertEquals("0.0.0.0:9", s.listen());
        assertEquals("other:1", s.kafka().bootstrapServers());
        assertEquals(12, s.kafka().partitions());
        assertEquals(List.of("http://x:1", "http://y:2"), s.urls());
        assertEquals(Map.of("a", "http://a:1", "b", "http://b:2"), s.nodes());
    }

    @Test
    void aNestedSectionCanComeFromTheEnvironmentAlone() throws Exception {
        Sample s = YamlConfig.load(write("listen: 127.0.0.1:5\n"), Sample.class, Set.of(),
                Map.of("STRATA_CONFIG_KAFKA_BOOTSTRAP_SERVERS", "env:1"));
        assertEquals("env:1", s.kafka().bootstrapServers());
    }

    @Test
    void unknownKeysTypoedNestedKeysAndValidationFailuresNameTheFile() throws Exception {
        Path f = write("kafka: {bootstrapServers: 'k:1'}\nlisen: x\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> YamlConfig.load(f, Sample.class, Set.of(), Map.of()));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("lisen"), e.getMessage());
        Path g = write("kafka: {bootstrapServer: 'k:1'}\n");
        e = assertThrows(IllegalArgumentException.class, () -> YamlConfig.load(g, Sample.class, Set.of(), Map.of()));
        assertTrue(e.getMessage().contains("bootstrapServer"), e.getMessage());
        Path h = write("listen: 127.0.0.1:1\n");
        e = assertThrows(IllegalArgumentException.class, () -> YamlConfig.load(h, Sample.class, Set.of(), Map.of()));
        assertTrue(e.getMessage().contains("kafka.bootstrapServers is required"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> YamlConfig.load(dir.resolve("missing.yaml"), Sample.class, Set.of(), Map.of()));
        Path empty = write("");
        assertThrows(IllegalArgumentException.class, () -> YamlConfig.load(empty, Sample.class, Set.of(), Map.of()));
    }

    @Test
    void envNamesSplitCamelCaseAndNesting() {
        assertEquals("STRATA_CONFIG_KAFKA_BOOTSTRAP_SERVERS", YamlConfig.envName("kafka.bootstrapServers"));
        assertEquals("STRATA_CONFIG_LISTEN", YamlConfig.envName("listen"));
        assertEquals("STRATA_CONFIG_STORAGE_WRITE_QUORUM", YamlConfig.envName("storage.writeQuorum"));
    }
}
