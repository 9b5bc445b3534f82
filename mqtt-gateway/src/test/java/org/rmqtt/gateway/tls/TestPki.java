package org.rmqtt.gateway.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
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
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates made in the test: a CA, server and client certificates it signs (valid, expired),
 * written as PEM files the way an operator would have them, and client SSL contexts.
 */
public final class TestPki {
    private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

    /** A key pair and its certificate; {@code issuer} is null for a self-signed CA. */
    public record Identity(KeyPair keys, X509Certificate certificate, Identity issuer) {
        public BigInteger serial() {
            return certificate.getSerialNumber();
        }
    }

    private TestPki() {
    }

    public static Identity ca(String cn) {
        KeyPair keys = keyPair();
        X500Name name = new X500Name("CN=" + cn);
        Instant now = Instant.now();
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, nextSerial(), Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(1))), name, keys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
            return new Identity(keys, sign(b, keys), null);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A server certificate for 127.0.0.1 and localhost. */
    public static Identity server(Identity ca, String cn) {
        return issue(ca, cn, true, Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(1)));
    }

    public static Identity client(Identity ca, String cn) {
        return issue(ca, cn, false, Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(1)));
    }

    /** A client certificate that expired an hour ago. */
    public static Identity expiredClient(Identity ca, String cn) {
        return issue(ca, cn, false, Instant.now().minus(Duration.ofDays(2)), Instant.now().minus(Duration.ofHours(1)));
    }

    private static Identity issue(Identity ca, String cn, boolean server, Instant notBefore, Instant notAfter) {
        KeyPair keys = keyPair();
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca.certificate(), nextSerial(), Date.from(notBefore),
                    Date.from(notAfter), new X500Name("CN=" + cn), keys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca.certificate()));
            b.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(server ? KeyPurposeId.id_kp_serverAuth : KeyPurposeId.id_kp_clientAuth));
            if (server) {
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                        new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
            }
            return new Identity(keys, sign(b, ca.keys()), ca);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The certificate chain (leaf, then its CA) as PEM. */
    public static void writeChain(Identity id, Path file) {
        StringBuilder pem = new StringBuilder(pem(id.certificate()));
        if (id.issuer() != null) {
            pem.append(pem(id.issuer().certificate()));
        }
        write(file, pem.toString());
    }

    public static void writeCertificate(X509Certificate certificate, Path file) {
        write(file, pem(certificate));
    }

    /** The private key as unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY"). */
    public static void writeKey(Identity id, Path file) {
        try {
            write(file, pem(new JcaPKCS8Generator(id.keys().getPrivate(), null).generate()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The private key as encrypted PKCS#8 PEM ("BEGIN ENCRYPTED PRIVATE KEY", PBES2 with AES-256-CBC). */
    public static void writeEncryptedKey(Identity id, String password, Path file) {
        try {
            var encryptor = new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_256_CBC)
                    .setProvider(new BouncyCastleProvider()).setRandom(new SecureRandom())
                    .setPassword(password.toCharArray()).build();
            write(file, pem(new JcaPKCS8Generator(id.keys().getPrivate(), encryptor).generate()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client-side context that trusts {@code ca} and presents {@code client} (may be null). */
    public static SSLContext clientContext(Identity ca, Identity client) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", ca.certificate());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyManagerFactory kmf = null;
            if (client != null) {
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry("client", client.keys().getPrivate(), new char[0],
                        new X509Certificate[] {client.certificate(), client.issuer().certificate()});
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, new char[0]);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
            return context;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair keyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer) throws Exception {
        ContentSigner contentSigner = new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
    }

    private static BigInteger nextSerial() {
        return BigInteger.valueOf(SERIALS.incrementAndGet());
    }

    private static String pem(Object o) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static void write(Path file, String content) {
        try {
            // Into a temporary file, then moved: a reader never sees half a file.
            Path tmp = Files.createTempFile(file.getParent(), ".pem", ".tmp");
            Files.writeString(tmp, content, StandardCharsets.US_ASCII);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
