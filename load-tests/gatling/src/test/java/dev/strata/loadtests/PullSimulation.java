package dev.strata.loadtests;

import java.util.List;

/** Pulls: after the seed push, -Dusers users pull it (manifest, config, layers) for -Dduration. */
public class PullSimulation extends RegistrySimulation {
    {
        setUp(seed().andThen(pull()))
                .protocols(r.protocol())
                .assertions(assertions());
    }

    @Override
    List<String> lightRequests() {
        return List.of("GET manifest", "GET config");
    }
}
