package dev.strata.core.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Serialises events as JSON. The type name and schema version travel beside the bytes (in Kafka
 * headers); a central registry maps type names to record classes. Decoding an unknown type or a
 * version newer than this code knows is an {@link UnknownEventException}: a consumer must stop
 * loudly rather than skip it.
 */
public final class EventCodec {
    public static final String TYPE_HEADER = "strata-type";
    public static final String VERSION_HEADER = "strata-version";
    /**
     * Current schema version, written on every event. Version 2 added {@code ChunkRef.crc32c},
     * {@code ChunkRef.placement} and {@code BlobCommitted.chunkSize}; version-1 records still
     * decode, with those fields null. Bump when a record changes shape, and keep decoding the old.
     */
    public static final int VERSION = 2;

    private static final Map<String, Class<? extends Event>> TYPES = new LinkedHashMap<>();

    static {
        for (Class<?> c : Event.class.getPermittedSubclasses()) {
            @SuppressWarnings("unchecked")
            Class<? extends Event> ec = (Class<? extends Event>) c;
            TYPES.put(c.getSimpleName(), ec);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private EventCodec() {}

    /** The registered type name of an event, as put in the type header. */
    public static String typeName(Event e) {
        return e.getClass().getSimpleName();
    }

    /** All registered type names. */
    public static java.util.Set<String> typeNames() {
        return java.util.Collections.unmodifiableSet(TYPES.keySet());
    }

    public static byte[] encode(Event e) {
        try {
            return JSON.writeValueAsBytes(e);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    public static Event decode(String type, int version, byte[] bytes) {
        Class<? extends Event> c = type == null ? null : TYPES.get(type);
        if (c == null) throw new UnknownEventException("unknown event type: " + type);
        if (version < 1 || version > VERSION) {
            throw new UnknownEventException("unsupported version " + version + " of event type " + type);
        }
        try {
            Event e = JSON.readValue(bytes, c);
            if (e == null) throw new UnknownEventException("empty " + type + " event (JSON null)");
            return e;
        } catch (IOException ex) {
            throw new UnknownEventException("undecodable " + type + " event: " + ex.getMessage());
        }
    }

    /** An event this code cannot apply. Consumers stop on it. */
    public static final class UnknownEventException extends RuntimeException {
        public UnknownEventException(String message) { super(message); }
    }
}
