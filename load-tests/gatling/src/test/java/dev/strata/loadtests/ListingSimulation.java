package dev.strata.loadtests;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.during;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import java.util.List;

/** Catalog and tag listing: after the seed push, -Dusers users list the catalog and the seed repository's tags. */
public class ListingSimulation extends RegistrySimulation {
    {
        setUp(seed().andThen(
                scenario("catalog and tags").exec(r.login())
                        .exec(during(p.duration).on(r.catalog().exec(r.tags(seedRepo))))
                        .injectOpen(atOnceUsers(p.users))))
                .protocols(r.protocol())
                .assertions(assertions());
    }

    @Override
    List<String> lightRequests() {
        return List.of("GET catalog", "GET tags");
    }
}
