package dev.strata.loadtests;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.during;
import static io.gatling.javaapi.core.CoreDsl.percent;
import static io.gatling.javaapi.core.CoreDsl.randomSwitch;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import java.util.List;

/**
 * Mixed traffic: after the seed push, -Dusers users for -Dduration, each iteration a pull of the seed
 * image (75%) or a monolithic push of a new image (25%).
 */
public class MixedSimulation extends RegistrySimulation {
    {
        setUp(seed().andThen(
                scenario("mixed 75% pull / 25% push").exec(r.login())
                        .exec(during(p.duration).on(randomSwitch().on(
                                percent(75.0).then(r.pullImage(seedRepo, s -> SEED_TAG)),
                                percent(25.0).then(r.pushImage(r.repo("mixed"), false)))))
                        .injectOpen(atOnceUsers(p.users))))
                .protocols(r.protocol())
                .assertions(assertions());
    }

    @Override
    List<String> lightRequests() {
        return List.of("GET manifest", "PUT manifest");
    }
}
