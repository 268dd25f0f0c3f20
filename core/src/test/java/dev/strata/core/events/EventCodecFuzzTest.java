package dev.strata.core.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.strata.core.oci.ParserFuzzTest;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Event deserialisation under random mutations of every event type's encoding: an event either
 * decodes (and then round-trips) or the codec throws UnknownEventException, which stops the
 * consuming projection loudly. Nothing else escapes.
 */
class EventCodecFuzzTest {
    @Property(tries = 10_000)
    void mutatedEventsDecodeOrStopLoudly(@ForAll("eventIndex") int which, @ForAll long seed) {
        Event e = EventCodecTest.samples().get(which);
        byte[] body = ParserFuzzTest.mutate(EventCodec.encode(e), seed);
        String type = EventCodec.typeName(e);
        try {
            Event back = EventCodec.decode(type, EventCodec.VERSION, body);
            assertEquals(back, EventCodec.decode(type, EventCodec.VERSION, EventCodec.encode(back)), "a decoded event round-trips");
            Statistics.collect("decoded");
        } catch (EventCodec.UnknownEventException x) {
            Statistics.collect("stopped");
        }
    }

    @Provide
    Arbitrary<Integer> eventIndex() {
        return Arbitraries.integers().between(0, EventCodecTest.samples().size() - 1);
    }
}
