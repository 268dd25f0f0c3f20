package dev.strata.gateway.auth;

import dev.strata.core.util.Pem;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * {@code strata cert}: a local certificate authority and a server certificate signed by it, for
 * development and tests (Bouncy Castle, EC P-256, SHA256withECDSA). Files written into a directory:
 * {@code ca.crt} (give it to clients), {@code ca.key}, {@code server.crt} (server then CA),
 * {@code server.key} (PKCS#8). An existing CA in the directory is reused.
 */
public final class DevCertificates {
    public static final String CA_CERT = "ca.crt";
    public static final String CA_KEY = "ca.key";
    public static final String SERVER_CERT = "server.crt";
    public static final String SERVER_KEY = "server.key";
    private static final SecureRandom RANDOM = new SecureRandom();

    private DevCertificates() {}

    /** Writes the CA (when absent) and a fresh server certificate for {@code hosts} (DNS names or IP addresses). */
    public static void generate(Path dir, List<String> hosts, Duration validity) throws Exception {
        if (hosts.isEmpty()) throw new IllegalArgumentException("at least one host name or address is needed");
        Files.createDirectories(dir);
        Instant now = Instant.now();
        KeyPair caKeys;
        X509Certificate ca;
        if (Files.exists(dir.resolve(CA_CERT)) && Files.exists(dir.resolve(CA_KEY))) {
            caKeys = Pem.readKey(dir.resolve(CA_KEY));
            ca = readCert(dir.resolve(CA_CERT));
        } else {
            caKeys = Pem.generateP256();
            X500Name caName = new X500Name("CN=Strata development CA " + now.getEpochSecond());
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caName, serial(), Date.from(now.minus(Duration.ofMinutes(5))),
                    Date.from(now.plus(Duration.ofDays(3650))), caName, caKeys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(caKeys.getPublic()));
            ca = sign(b, caKeys);
            Pem.write(dir.resolve(CA_KEY), true, new JcaPKCS8Generator(caKeys.getPrivate(), null));
            Pem.write(dir.resolve(CA_CERT), false, ca);
        }
        KeyPair serverKeys = Pem.generateP256();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca, serial(), Date.from(now.minus(Duration.ofMinutes(5))),
                Date.from(now.plus(validity)), new X500Name("CN=" + hosts.get(0)), serverKeys.getPublic());
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        List<GeneralName> names = new ArrayList<>();
        for (String h : hosts) {
            boolean ip = h.matches("[0-9.]+") || h.contains(":");
            names.add(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, h));
        }
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca));
        X509Certificate server = sign(b, caKeys);
        Pem.write(dir.resolve(SERVER_KEY), true, new JcaPKCS8Generator(serverKeys.getPrivate(), null));
        Pem.write(dir.resolve(SERVER_CERT), false, server, ca);
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair issuer) throws Exception {
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").setProvider(Pem.BC).build(issuer.getPrivate());
        return new JcaX509CertificateConverter().setProvider(Pem.BC).getCertificate(b.build(signer));
    }

    private static X509Certificate readCert(Path file) throws IOException, java.security.cert.CertificateException {
        try (var in = Files.newInputStream(file)) {
            return (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }
}
