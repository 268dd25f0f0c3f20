package dev.strata.loadtests;

import java.util.List;

/** Pushes: -Dusers users pushing monolithic uploads and as many pushing chunked ones, for -Dduration. */
public class PushSimulation extends RegistrySimulation {
    {
        setUp(push("push monolithic", r.repo("push"), false, false), push("push chunked", r.repo("chunked"), true, false))
                .protocols(r.protocol())
                .assertions(assertions());
    }

    @Override
    List<String> lightRequests() {
        return List.of("POST upload", "PUT manifest");
    }
}
