package dev.strata.loadtests;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.during;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import java.util.List;

/** A storm of blob HEADs: after the seed push, -Dusers users HEAD its first layer back to back for -Dduration. */
public class HeadStormSimulation extends RegistrySimulation {
    {
        setUp(seed().andThen(
                scenario("blob HEAD storm").exec(r.login()).exec(seeded())
                        .exec(during(p.duration).on(r.headBlob(seedRepo)))
                        .injectOpen(atOnceUsers(p.users))))
                .protocols(r.protocol())
                .assertions(assertions());
    }

    @Override
    List<String> lightRequests() {
        return List.of("HEAD blob");
    }
}
