package dev.strata.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.core.oci.OciError;
import dev.strata.core.oci.OciException;
import dev.strata.core.util.Pem;
import dev.strata.gateway.auth.Scope;
import dev.strata.gateway.auth.TokenKeys;
import dev.strata.gateway.auth.Tokens;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;
import net.jqwik.api.statistics.Statistics;

/**
 * Property-based fuzzing of what the gateway parses from clients: Content-Range, token scopes and
 * bearer tokens (random strings, and valid tokens with random edits: none of those may verify).
 */
class GatewayFuzzTest {
    private static final Tokens TOKENS = new Tokens(TokenKeys.of(Pem.generateP256()), "iss", "svc", Duration.ofMinutes(5), Clock.systemUTC());
    private static final String VALID = TOKENS.issue("alice", List.of(new Scope("repository", "a/b", Set.of("pull"))));

    @Property(tries = 10_000)
    void contentRangeParsesOrIs416(@ForAll("ranges") String h) {
        try {
            long[] r = BlobUploadHandler.parseContentRange(h);
            assertTrue(r[0] >= 0 && r[1] >= 0, h);
            Statistics.collect("parsed");
        } catch (OciException e) {
            assertEquals(OciError.BLOB_UPLOAD_RANGE_INVALID, e.error(), h);
            Statistics.collect("416");
        }
    }

    @Property(tries = 5_000)
    void scopesParseOrAreIgnored(@ForAll @StringLength(max = 200) String s) {
        Scope sc = Scope.parse(s);
        if (sc != null) {
            assertTrue(!sc.type().isEmpty() && !sc.name().isEmpty() && !sc.actions().isEmpty(), s);
            Statistics.collect("parsed");
        } else {
            Statistics.collect("ignored");
        }
    }

    @Property(tries = 3_000)
    void editedTokensNeverVerify(@ForAll long seed) {
        Random r = new Random(seed);
        char[] t = VALID.toCharArray();
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=";
        int edits = 1 + r.nextInt(4);
        for (int i = 0; i < edits; i++) t[r.nextInt(t.length)] = alphabet.charAt(r.nextInt(alphabet.length()));
        String edited = new String(t);
        if (edited.equals(VALID)) return;
        try {
            TOKENS.verify(edited);
            // base64url has spare bits: an edit of the last character of a part can decode to the same bytes
            assertEquals(decoded(VALID), decoded(edited), "an edited token verified: " + edited);
            Statistics.collect("same bytes");
        } catch (Tokens.InvalidToken e) {
            Statistics.collect("refused");
        }
    }

    private static String decoded(String jwt) {
        StringBuilder sb = new StringBuilder();
        for (String p : jwt.split("\\.")) {
            try {
                sb.append(new String(java.util.Base64.getUrlDecoder().decode(p), StandardCharsets.ISO_8859_1)).append('|');
            } catch (IllegalArgumentException e) {
                sb.append("?|");
            }
        }
        return sb.toString();
    }

    @Property(tries = 3_000)
    void arbitraryBearerStringsAreRefused(@ForAll @StringLength(max = 400) String s) {
        try {
            TOKENS.verify(s);
            throw new AssertionError("verified: " + s);
        } catch (Tokens.InvalidToken e) {
            assertTrue(e.getMessage() != null && !e.getMessage().contains(s.length() > 20 ? s : "\u0000never"), "the reason never echoes the token");
        }
    }

    @Provide
    Arbitrary<String> ranges() {
        Arbitrary<String> num = Arbitraries.oneOf(Arbitraries.longs().between(0, Long.MAX_VALUE).map(String::valueOf),
                Arbitraries.strings().numeric().ofMaxLength(25), Arbitraries.of("-1", "", "9223372036854775808", "0x10", "1e3"));
        Arbitrary<String> prefix = Arbitraries.of("", "bytes ", "bytes=", "BYTES ", " ", "bytes  ");
        Arbitrary<String> suffix = Arbitraries.of("", "/*", "/100", "/", "/-1", " ", "\r\n", "/*/*");
        return net.jqwik.api.Combinators.combine(prefix, num, Arbitraries.of("-", "--", ",", ""), num, suffix)
                .as((p, a, dash, b, s) -> p + a + dash + b + s);
    }
}
