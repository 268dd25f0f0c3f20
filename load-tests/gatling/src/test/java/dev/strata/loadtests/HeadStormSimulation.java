package dev.strata.loadtests;

import java.util.List;

/** A storm of blob HEADs: after the seed push, -Dusers users HEAD its first layer back to back for -Dduration. */
public class HeadStormSimulation extends RegistrySimulation {
    {
        setUp(seed().andThen(headStorm()))
                .protocols(r.protocol())
                .assertions(assertions());
    }

    @Override
    List<String> lightRequests() {
        return List.of("HEAD blob");
    }
}
