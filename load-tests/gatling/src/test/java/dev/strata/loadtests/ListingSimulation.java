package dev.strata.loadtests;

import java.util.List;

/** Catalog and tag listing: after the seed push, -Dusers users list the catalog and the seed repository's tags. */
public class ListingSimulation extends RegistrySimulation {
    {
        setUp(seed().andThen(listing()))
                .protocols(r.protocol())
                .assertions(assertions());
    }

    @Override
    List<String> lightRequests() {
        return List.of("GET catalog", "GET tags");
    }
}
