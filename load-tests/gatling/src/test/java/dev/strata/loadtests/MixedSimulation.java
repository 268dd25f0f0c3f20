package dev.strata.loadtests;

import java.util.List;

/**
 * Mixed traffic: after the seed push, -Dusers users for -Dduration, each iteration a pull of the seed
 * image (75%) or a monolithic push of a new image (25%).
 */
public class MixedSimulation extends RegistrySimulation {
    {
        setUp(seed().andThen(mixed()))
                .protocols(r.protocol())
                .assertions(assertions());
    }

    @Override
    List<String> lightRequests() {
        return List.of("GET manifest", "PUT manifest");
    }
}
