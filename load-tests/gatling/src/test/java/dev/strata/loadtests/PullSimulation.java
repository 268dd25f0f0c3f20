package dev.strata.loadtests;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.during;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import java.util.List;

/** Pulls: after the seed push, -Dusers users pull it (manifest, config, layers) for -Dduration. */
public class PullSimulation extends RegistrySimulation {
    {
        setUp(seed().andThen(
                scenario("pull").exec(r.login())
                        .exec(during(p.duration).on(r.pullImage(seedRepo, s -> SEED_TAG)))
                        .injectOpen(atOnceUsers(p.users))))
                .protocols(r.protocol())
                .assertions(assertions());
    }

    @Override
    List<String> lightRequests() {
        return List.of("GET manifest", "GET config");
    }
}
