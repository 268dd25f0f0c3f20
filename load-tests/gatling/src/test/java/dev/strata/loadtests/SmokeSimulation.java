package dev.strata.loadtests;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.during;
import static io.gatling.javaapi.core.CoreDsl.percent;
import static io.gatling.javaapi.core.CoreDsl.randomSwitch;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import java.util.List;

/**
 * Every scenario at once, briefly: the CI smoke run (bin/test). With the defaults of
 * load-tests/gatling.sh --smoke: 1 user each, 1 MiB layers, 10 s. Each scenario runs at least once
 * whatever the duration, so every request kind is exercised and asserted.
 */
public class SmokeSimulation extends RegistrySimulation {
    {
        setUp(seed().andThen(
                scenario("push monolithic").exec(r.login())
                        .exec(r.pushImage(r.repo("push"), false))
                        .exec(during(p.duration).on(r.pushImage(r.repo("push"), false)))
                        .injectOpen(atOnceUsers(p.users)),
                scenario("push chunked").exec(r.login())
                        .exec(r.pushImage(r.repo("chunked"), true))
                        .exec(during(p.duration).on(r.pushImage(r.repo("chunked"), true)))
                        .injectOpen(atOnceUsers(p.users)),
                scenario("pull").exec(r.login())
                        .exec(during(p.duration).on(r.pullImage(seedRepo, s -> SEED_TAG)))
                        .injectOpen(atOnceUsers(p.users)),
                scenario("mixed 75% pull / 25% push").exec(r.login())
                        .exec(during(p.duration).on(randomSwitch().on(
                                percent(75.0).then(r.pullImage(seedRepo, s -> SEED_TAG)),
                                percent(25.0).then(r.pushImage(r.repo("mixed"), false)))))
                        .injectOpen(atOnceUsers(p.users)),
                scenario("catalog and tags").exec(r.login())
                        .exec(during(p.duration).on(r.catalog().exec(r.tags(seedRepo))))
                        .injectOpen(atOnceUsers(p.users)),
                scenario("blob HEAD storm").exec(r.login()).exec(seeded())
                        .exec(during(p.duration).on(r.headBlob(seedRepo)))
                        .injectOpen(atOnceUsers(p.users))))
                .protocols(r.protocol())
                .assertions(assertions());
    }

    @Override
    List<String> lightRequests() {
        return List.of("GET manifest", "HEAD blob", "GET catalog", "GET tags", "PUT manifest");
    }
}
