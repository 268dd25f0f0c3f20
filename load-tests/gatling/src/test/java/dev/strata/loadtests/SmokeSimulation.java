package dev.strata.loadtests;

import java.util.List;

/**
 * Every scenario at once, briefly: the CI smoke run (bin/test). With the defaults of
 * load-tests/gatling.sh --smoke: 1 user each, 1 and 5 MiB layers, 5 s. Each push scenario pushes once
 * before its timed loop, so every request kind is exercised and asserted whatever the duration.
 */
public class SmokeSimulation extends RegistrySimulation {
    {
        setUp(seed().andThen(
                push("push monolithic", r.repo("push"), false, true),
                push("push chunked", r.repo("chunked"), true, true),
                pull(), mixed(), listing(), headStorm()))
                .protocols(r.protocol())
                .assertions(assertions());
    }

    @Override
    List<String> lightRequests() {
        return List.of("GET manifest", "HEAD blob", "GET catalog", "GET tags", "PUT manifest");
    }
}
