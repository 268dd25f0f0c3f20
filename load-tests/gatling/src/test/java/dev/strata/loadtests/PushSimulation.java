package dev.strata.loadtests;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.during;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import java.util.List;

/** Pushes: -Dusers users pushing monolithic uploads and as many pushing chunked ones, for -Dduration. */
public class PushSimulation extends RegistrySimulation {
    {
        setUp(
                scenario("push monolithic").exec(r.login())
                        .exec(during(p.duration).on(r.pushImage(r.repo("push"), false)))
                        .injectOpen(atOnceUsers(p.users)),
                scenario("push chunked").exec(r.login())
                        .exec(during(p.duration).on(r.pushImage(r.repo("chunked"), true)))
                        .injectOpen(atOnceUsers(p.users)))
                .protocols(r.protocol())
                .assertions(assertions());
    }

    @Override
    List<String> lightRequests() {
        return List.of("POST upload", "PUT manifest");
    }
}
