package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.core.config.YamlConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service processes' typed configs: the documented examples load, defaults apply, bad values are refused. */
class ProcessConfigTest {
    @TempDir
    Path dir;

    static final String KAFKA_AND_STORAGE = """
            kafka:
              bootstrapServers: 127.0.0.1:9092
            storage:
              nodes: {s1: "http://127.0.0.1:7001", s2: "http://127.0.0.1:7002", s3: "http://127.0.0.1:7003"}
            """;

    private <T extends Record> T load(Class<T> type, String yaml, Map<String, String> env) throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, yaml);
        return YamlConfig.load(f, type, Set.of("data", "auth", "tlsCert", "tlsKey"), env);
    }

    private String error(Class<? extends Record> type, String yaml) {
        return assertThrows(IllegalArgumentException.class, () -> load(type, yaml, Map.of())).getMessage();
    }

    @Test
    void uploadServiceDefaults() throws Exception {
        ProcessConfig.UploadService c = load(ProcessConfig.UploadService.class, "data: uploads\n" + KAFKA_AND_STORAGE, Map.of());
        assertEquals("127.0.0.1:7100", c.listen());
        assertEquals(dir.resolve("uploads"), c.data());
        assertEquals("strata.", c.kafka().topicPrefix());
        assertEquals(8, c.kafka().partitions());
        assertEquals(-1L, c.kafka().log().retentionMs());
        assertEquals(2, c.storage().placement().replicas());
        assertEquals(Duration.ofSeconds(30), c.common().requestTimeout());
        assertEquals(Duration.ofMinutes(5), c.common().startupTimeout());
    }

    @Test
    void kafkaTimeoutBoundsWaitsOnTheLogIsValidatedAndShorterThanRequestTimeout() throws Exception {
        ProcessConfig.UploadService d = load(ProcessConfig.UploadService.class, "data: uploads\n" + KAFKA_AND_STORAGE, Map.of());
        assertEquals(Duration.ofSeconds(5), d.kafka().log().timeout());
        ProcessConfig.UploadService c = load(ProcessConfig.UploadService.class, "data: uploads\n" + KAFKA_AND_STORAGE,
                Map.of("STRATA_CONFIG_KAFKA_TIMEOUT", "2s"));
        assertEquals(Duration.ofSeconds(2), c.kafka().log().timeout());
        String tooShort = error(ProcessConfig.UploadService.class, "data: uploads\n" + KAFKA_AND_STORAGE.replace("kafka:\n", "kafka:\n  timeout: 100ms\n"));
        assertTrue(tooShort.contains("kafka.timeout must be between 500ms and 5m"), tooShort);
        String longer = error(ProcessConfig.ManifestService.class, "data: m\n" + KAFKA_AND_STORAGE.replace("kafka:\n", "kafka:\n  timeout: 40s\n")
                + "uploadServices: [http://127.0.0.1:7100]\n");
        assertTrue(longer.contains("requestTimeout (30000 ms) must be longer than kafka.timeout (40000 ms)"), longer);
    }

    @Test
    void manifestServiceGcServiceAndGatewayLoadWithTheirDependencies() throws Exception {
        ProcessConfig.ManifestService m = load(ProcessConfig.ManifestService.class, "data: m\n" + KAFKA_AND_STORAGE
                + "uploadServices: [http://127.0.0.1:7100]\ngcServices: [http://127.0.0.1:7300]\nvalidationWindow: 10s\n", Map.of());
        assertEquals(Duration.ofSeconds(10), m.window());
        ProcessConfig.GcService g = load(ProcessConfig.GcService.class, "data: g\n" + KAFKA_AND_STORAGE
                + "uploadServices: [http://127.0.0.1:7100]\ngrace: 2h\ninterval: 0\n", Map.of());
        assertEquals(Duration.ofHours(2), g.gc().grace());
        assertEquals(Duration.ZERO, g.gc().interval());
        ProcessConfig.Gateway gw = load(ProcessConfig.Gateway.class, KAFKA_AND_STORAGE.substring(KAFKA_AND_STORAGE.indexOf("storage:"))
                + "listen: 0.0.0.0:5000\nuploadServices: [http://127.0.0.1:7100]\nmanifestServices: [http://127.0.0.1:7200]\n", Map.of());
        assertEquals(List.of(), gw.gcServices());
        assertEquals("127.0.0.1:0", gw.adminListen());
    }

    @Test
    void gcServiceTakesTheGcSettingsOfServeWithTheirDefaults() throws Exception {
        String base = "data: g\n" + KAFKA_AND_STORAGE + "uploadServices: [http://127.0.0.1:7100]\n";
        dev.strata.gc.GcConfig defaults = load(ProcessConfig.GcService.class, base, Map.of()).gc();
        dev.strata.gc.GcConfig serve = Main.gcConfig(new String[0]);
        assertEquals(serve, defaults, "the same defaults as serve");
        assertEquals(null, defaults.untaggedRetention());
        assertEquals(Duration.ofHours(1), defaults.orphanGrace(), "the larger of the grace and 15 min");

        ProcessConfig.GcService g = load(ProcessConfig.GcService.class, base + "manifestServices: [http://127.0.0.1:7200]\n"
                + "untaggedRetention: 7d\ntimeMachine: 30d\nnamespacePrefixes: [org/team]\norphanGrace: 2h\n", Map.of());
        assertEquals(Main.gcConfig(new String[] {"--untagged-retention", "7d", "--time-machine", "30d", "--namespace-prefixes", "org/team"})
                .withOrphanGrace(Duration.ofHours(2)), g.gc(), "the same settings as serve's flags");
        assertEquals(List.of("http://127.0.0.1:7200"), g.manifestServices());

        ProcessConfig.GcService env = load(ProcessConfig.GcService.class, base, Map.of("STRATA_CONFIG_NAMESPACE_PREFIXES", "a/b, c/d",
                "STRATA_CONFIG_TIME_MACHINE", "1d"));
        assertEquals(List.of("a/b", "c/d"), env.gc().namespaces().prefixes());
        assertEquals(Duration.ofDays(1), env.gc().timeMachine());

        assertTrue(error(ProcessConfig.GcService.class, base + "untaggedRetention: 7d\n").contains("manifestServices"),
                "retention deletes through a manifest-service");
        assertTrue(error(ProcessConfig.GcService.class, base + "namespacePrefixes: ['Not Valid']\n").contains("namespacePrefixes"));
        assertTrue(error(ProcessConfig.GcService.class, base + "timeMachine: forever\n").contains("timeMachine"));
        assertTrue(error(ProcessConfig.GcService.class, base + "orphanGrace: soon\n").contains("orphanGrace"));
        assertTrue(error(ProcessConfig.GcService.class, base + "deleteReferrers: false\n").contains("deleteReferrers"),
                "the cascade is the manifest-service's");

        String manifests = "data: m\n" + KAFKA_AND_STORAGE + "uploadServices: [http://127.0.0.1:7100]\n";
        assertEquals(true, load(ProcessConfig.ManifestService.class, manifests, Map.of()).deleteReferrers());
        assertEquals(false, load(ProcessConfig.ManifestService.class, manifests + "deleteReferrers: false\n", Map.of()).deleteReferrers());
        assertEquals(false, load(ProcessConfig.ManifestService.class, manifests, Map.of("STRATA_CONFIG_DELETE_REFERRERS", "false")).deleteReferrers());
    }

    @Test
    void environmentOverridesTheFile() throws Exception {
        ProcessConfig.UploadService c = load(ProcessConfig.UploadService.class, "data: uploads\n" + KAFKA_AND_STORAGE,
                Map.of("STRATA_CONFIG_KAFKA_BOOTSTRAP_SERVERS", "kafka-0:9092,kafka-1:9092", "STRATA_CONFIG_LISTEN", "0.0.0.0:7100",
                        "STRATA_CONFIG_STORAGE_REPLICAS", "3"));
        assertEquals("kafka-0:9092,kafka-1:9092", c.kafka().bootstrapServers());
        assertEquals("0.0.0.0:7100", c.listen());
        assertEquals(3, c.storage().placement().replicas());
    }

    @Test
    void badValuesAreRefusedWithTheKeyNamed() {
        assertTrue(error(ProcessConfig.UploadService.class, "data: u\n" + KAFKA_AND_STORAGE + "partitions: 3\n").contains("partitions"));
        assertTrue(error(ProcessConfig.UploadService.class, KAFKA_AND_STORAGE).contains("data"));
        assertTrue(error(ProcessConfig.UploadService.class, "data: u\nstorage: {nodes: {a: 'http://h:1'}}\n").contains("kafka.bootstrapServers"));
        assertTrue(error(ProcessConfig.UploadService.class, "data: u\nlisten: nope\n" + KAFKA_AND_STORAGE).contains("listen"));
        assertTrue(error(ProcessConfig.UploadService.class, "data: u\nrequestTimeout: soon\n" + KAFKA_AND_STORAGE).contains("requestTimeout"));
        assertTrue(error(ProcessConfig.ManifestService.class, "data: m\n" + KAFKA_AND_STORAGE).contains("uploadServices"));
        assertTrue(error(ProcessConfig.ManifestService.class, "data: m\n" + KAFKA_AND_STORAGE + "uploadServices: [ftp://x]\n").contains("uploadServices"));
        assertTrue(error(ProcessConfig.UploadService.class, "data: u\n" + KAFKA_AND_STORAGE.replace("9092", "9092\n  partitions: 0")).contains("partitions"));
        assertTrue(error(ProcessConfig.UploadService.class, "data: u\n" + KAFKA_AND_STORAGE + "  replicas: 4\n").contains("replicas"));
        String gateway = KAFKA_AND_STORAGE.substring(KAFKA_AND_STORAGE.indexOf("storage:"))
                + "uploadServices: [http://127.0.0.1:7100]\nmanifestServices: [http://127.0.0.1:7200]\n";
        assertTrue(error(ProcessConfig.Gateway.class, gateway + "tlsCert: cert.pem\n").contains("tlsCert and tlsKey"));
        assertTrue(error(ProcessConfig.Gateway.class, gateway + "tlsCert: cert.pem\ntlsKey: key.pem\n").contains("not readable"));
        assertTrue(error(ProcessConfig.Gateway.class, gateway + "auth: nowhere.yaml\n").contains("auth file not found"));
        assertTrue(error(ProcessConfig.Gateway.class, gateway + "kafka: {bootstrapServers: 'k:1'}\n").contains("kafka"), "the gateway has no Kafka");
        assertTrue(error(ProcessConfig.GcService.class, "data: g\n" + KAFKA_AND_STORAGE + "uploadServices: [http://h:1]\ngrace: -1h\n").contains("grace"));
    }

    @Test
    void internalTlsKeysLoadRelativeToTheFileAndAreValidatedAtStartup() throws Exception {
        Path certs = dir.resolve("certs");
        dev.strata.gateway.auth.DevCertificates.generate(certs, List.of("127.0.0.1"), Duration.ofDays(1));
        String https = """
                kafka:
                  bootstrapServers: 127.0.0.1:9092
                storage:
                  nodes: {s1: "https://127.0.0.1:7001"}
                """;
        Path f = dir.resolve("u.yaml");
        Files.writeString(f, "data: u\n" + https + "tls: {cert: certs/server.crt, key: certs/server.key, ca: certs/ca.crt}\n");
        ProcessConfig.UploadService u = YamlConfig.load(f, ProcessConfig.UploadService.class, ServiceCommand.SERVICE_PATHS, Map.of());
        assertEquals(certs.resolve("server.crt"), u.tls().cert());
        assertTrue(u.common().tls().serves());
        Files.writeString(f, "data: u\n" + https);
        String noCa = assertThrows(IllegalArgumentException.class,
                () -> YamlConfig.load(f, ProcessConfig.UploadService.class, ServiceCommand.SERVICE_PATHS, Map.of())).getMessage();
        assertTrue(noCa.contains("https") && noCa.contains("tls.ca"), noCa);
        Files.writeString(f, "data: u\n" + KAFKA_AND_STORAGE + "tls: {cert: certs/server.crt}\n");
        String noKey = assertThrows(IllegalArgumentException.class,
                () -> YamlConfig.load(f, ProcessConfig.UploadService.class, ServiceCommand.SERVICE_PATHS, Map.of())).getMessage();
        assertTrue(noKey.contains("tls.cert and tls.key go together"), noKey);
        Files.writeString(f, "data: u\n" + KAFKA_AND_STORAGE + "tls: {cert: certs/ca.key, key: certs/server.key}\n");
        String notACert = assertThrows(IllegalArgumentException.class,
                () -> YamlConfig.load(f, ProcessConfig.UploadService.class, ServiceCommand.SERVICE_PATHS, Map.of())).getMessage();
        assertTrue(notACert.contains("no certificate"), notACert);
        String gatewayNoCa = error(ProcessConfig.Gateway.class, "storage:\n  nodes: {s1: \"http://127.0.0.1:7001\"}\n"
                + "uploadServices: [https://127.0.0.1:7100]\nmanifestServices: [http://127.0.0.1:7200]\n");
        assertTrue(gatewayNoCa.contains("uploadServices") && gatewayNoCa.contains("tls.ca"), gatewayNoCa);
    }
}
