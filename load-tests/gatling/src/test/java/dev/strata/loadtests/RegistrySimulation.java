package dev.strata.loadtests;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.during;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.percent;
import static io.gatling.javaapi.core.CoreDsl.randomSwitch;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import java.util.ArrayList;
import java.util.List;

/**
 * Common ground of the simulations: parameters, the registry calls, a seed image that the pull,
 * HEAD and listing scenarios read (pushed once by one user before they start), and the
 * assertions: no failed request, and 99th percentiles under -Dp99Ms (light requests) and
 * -DblobP99Ms (every request, layer transfers included).
 */
abstract class RegistrySimulation extends Simulation {
    static final String SEED_TAG = "seed";

    final Params p = new Params();
    final Registry r = new Registry(p);
    final String seedRepo = r.repo("seed");

    /** The seed image's first layer, for HEAD storms (set by the seed scenario before the others run). */
    static volatile String headDigest;

    RegistrySimulation() {
        System.out.println("strata-gatling " + getClass().getSimpleName() + ": " + p);
    }

    /** One user pushes the seed image to {seedRepo}:seed. */
    PopulationBuilder seed() {
        ScenarioBuilder s = scenario("seed").exec(r.login()).exec(r.newImage())
                .exec(x -> {
                    List<Blobs.Blob> blobs = x.getList("blobs");
                    headDigest = blobs.get(0).digest();
                    return x.set("tag", SEED_TAG);
                })
                .exec(r.pushBlobsMonolithic(seedRepo)).exec(r.pushManifest(seedRepo));
        return s.injectOpen(atOnceUsers(1));
    }

    /** Sets "headDigest" in the session from the seed. */
    ChainBuilder seeded() {
        return exec(x -> x.set("headDigest", headDigest));
    }

    // ---- the scenarios: -Dusers users each, busy for -Dduration

    /** Pushes of new images to {@code repo}, monolithic or chunked; {@code atLeastOnce}: one push before the timed loop. */
    PopulationBuilder push(String name, String repo, boolean chunked, boolean atLeastOnce) {
        ChainBuilder first = atLeastOnce ? r.pushImage(repo, chunked) : exec(x -> x);
        return scenario(name).exec(r.login()).exec(first)
                .exec(during(p.duration).on(r.pushImage(repo, chunked)))
                .injectOpen(atOnceUsers(p.users));
    }

    /** Pulls of the seed image: manifest, config, layers. */
    PopulationBuilder pull() {
        return scenario("pull").exec(r.login())
                .exec(during(p.duration).on(r.pullImage(seedRepo, s -> SEED_TAG)))
                .injectOpen(atOnceUsers(p.users));
    }

    /** 75% pulls of the seed image, 25% monolithic pushes of new images. */
    PopulationBuilder mixed() {
        return scenario("mixed 75% pull / 25% push").exec(r.login())
                .exec(during(p.duration).on(randomSwitch().on(
                        percent(75.0).then(r.pullImage(seedRepo, s -> SEED_TAG)),
                        percent(25.0).then(r.pushImage(r.repo("mixed"), false)))))
                .injectOpen(atOnceUsers(p.users));
    }

    /** The catalog and the seed repository's tags. */
    PopulationBuilder listing() {
        return scenario("catalog and tags").exec(r.login())
                .exec(during(p.duration).on(r.catalog().exec(r.tags(seedRepo))))
                .injectOpen(atOnceUsers(p.users));
    }

    /** HEADs of the seed image's first layer, back to back. */
    PopulationBuilder headStorm() {
        return scenario("blob HEAD storm").exec(r.login()).exec(seeded())
                .exec(during(p.duration).on(r.headBlob(seedRepo)))
                .injectOpen(atOnceUsers(p.users));
    }

    /** Light requests whose p99 is asserted against -Dp99Ms, by request name. */
    abstract List<String> lightRequests();

    Assertion[] assertions() {
        List<Assertion> a = new ArrayList<>();
        a.add(global().failedRequests().count().is(0L));
        a.add(global().responseTime().percentile(99.0).lt(p.blobP99Ms));
        for (String name : lightRequests()) a.add(details(name).responseTime().percentile(99.0).lt(p.p99Ms));
        return a.toArray(new Assertion[0]);
    }
}
