package org.rmqtt.gateway.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import org.rmqtt.common.config.ConfigException;
import org.rmqtt.common.config.GatewayConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's TLS context, built from the PEM files of {@code mqtt.tls.*} and rebuilt when they
 * change. New connections take {@link #current()}; connections already open keep the context they
 * were made with. A file that does not load at start-up stops start-up, naming the key and the
 * file; one that does not load later keeps the old context and is reported once per change.
 *
 * <p>{@link #reloadIfChanged()} reads files: call it on a scheduler thread, never on an event loop.
 */
public final class ReloadableSslContext {
    private static final Logger LOG = LoggerFactory.getLogger(ReloadableSslContext.class);

    /** What the context is built from; null paths are not configured. */
    public record Settings(Path certFile, Path keyFile, Path keyPasswordFile, ClientAuth clientAuth, Path caFile,
                           List<String> protocols, List<String> ciphers, String provider) {
        public static Settings of(GatewayConfig config) {
            return new Settings(Path.of(config.tlsCertFile()), Path.of(config.tlsKeyFile()),
                    path(config.tlsKeyPasswordFile()), clientAuth(config.tlsClientAuth()), path(config.tlsCaFile()),
                    config.tlsProtocols(), config.tlsCiphers(), config.tlsProvider());
        }

        private static Path path(String s) {
            return s.isEmpty() ? null : Path.of(s);
        }

        private static ClientAuth clientAuth(String s) {
            return switch (s) {
                case "optional" -> ClientAuth.OPTIONAL;
                case "required" -> ClientAuth.REQUIRE;
                default -> ClientAuth.NONE;
            };
        }

        /** The files to watch, with the configuration key that names each. */
        List<Watched> files() {
            List<Watched> files = new ArrayList<>();
            files.add(new Watched("mqtt.tls.certFile", certFile));
            files.add(new Watched("mqtt.tls.keyFile", keyFile));
            if (keyPasswordFile != null) {
                files.add(new Watched("mqtt.tls.keyPasswordFile", keyPasswordFile));
            }
            if (caFile != null) {
                files.add(new Watched("mqtt.tls.caFile", caFile));
            }
            return files;
        }
    }

    record Watched(String key, Path file) {}

    /** A file could not be used; names the configuration key and the file. */
    static final class BadFileException extends Exception {
        BadFileException(String key, Path file, String problem) {
            super(key + ": " + file + ": " + problem);
        }

        BadFileException(String message) {
            super(message);
        }
    }

    private final Settings settings;
    private final SslProvider provider;
    private volatile SslContext current;
    /** What the files looked like when {@link #current} was built, or when a change was last refused. */
    private volatile List<Object> loadedStamps;
    /** What they looked like at the last poll: a change is loaded once it held still for one poll. */
    private List<Object> lastSeenStamps;

    private ReloadableSslContext(Settings settings, SslProvider provider) {
        this.settings = settings;
        this.provider = provider;
    }

    /**
     * Loads the files now; a missing, unreadable or invalid one stops start-up with a
     * {@link ConfigException} naming its key and path.
     */
    public static ReloadableSslContext load(Settings settings) {
        ReloadableSslContext context = new ReloadableSslContext(settings, provider(settings.provider()));
        List<Object> stamps = context.stamps();
        try {
            context.current = context.build();
        } catch (BadFileException e) {
            throw new ConfigException(e.getMessage());
        }
        context.loadedStamps = stamps;
        context.lastSeenStamps = stamps;
        LOG.info("TLS with {} ({}), client certificates {}, protocols {}", context.providerName(),
                settings.certFile(), switch (settings.clientAuth()) {
                    case REQUIRE -> "required";
                    case OPTIONAL -> "optional";
                    default -> "not asked for";
                }, settings.protocols());
        return context;
    }

    /** The context for a new connection. */
    public SslContext current() {
        return current;
    }

    /** {@code OpenSSL (BoringSSL …)} or {@code JDK}: which TLS implementation serves the listeners. */
    public String providerName() {
        return provider == SslProvider.OPENSSL ? "OpenSSL (" + OpenSsl.versionString() + ")" : "JDK " + Runtime.version();
    }

    /**
     * Rebuilds the context if a file changed and then held still for one poll (a certificate and its
     * key are rarely replaced in one instant). Returns true when new connections get a new context.
     */
    public synchronized boolean reloadIfChanged() {
        List<Object> stamps = stamps();
        boolean settled = stamps.equals(lastSeenStamps);
        lastSeenStamps = stamps;
        if (!settled || stamps.equals(loadedStamps)) {
            return false;
        }
        loadedStamps = stamps; // a bad file is reported once, and tried again when it changes again
        try {
            current = build();
            LOG.info("TLS certificate reloaded from {}: new connections use it", settings.certFile());
            return true;
        } catch (BadFileException | RuntimeException e) {
            // A scheduled task that throws is never run again: nothing may escape.
            LOG.warn("Keeping the current TLS certificate, the new files do not load: {}", e.getMessage());
            return false;
        }
    }

    private SslContext build() throws BadFileException {
        X509Certificate[] chain = certificates("mqtt.tls.certFile", settings.certFile());
        String password = null;
        if (settings.keyPasswordFile() != null) {
            password = read("mqtt.tls.keyPasswordFile", settings.keyPasswordFile()).lines().findFirst().orElse("").strip();
        }
        PrivateKey key = privateKey(settings.keyFile(), password, chain[0]);
        X509Certificate[] trust = settings.caFile() == null ? null : certificates("mqtt.tls.caFile", settings.caFile());
        try {
            SslContextBuilder builder = SslContextBuilder.forServer(key, chain)
                    .sslProvider(provider)
                    .protocols(settings.protocols())
                    .clientAuth(settings.clientAuth());
            if (!settings.ciphers().isEmpty()) {
                builder.ciphers(settings.ciphers());
            }
            if (trust != null) {
                builder.trustManager(trust);
            }
            SslContext context = builder.build();
            // One engine now, so that an unknown cipher or protocol fails here and not at the first client.
            SSLEngine engine = context.newEngine(ByteBufAllocator.DEFAULT);
            ReferenceCountUtil.release(engine);
            return context;
        } catch (Exception e) {
            throw new BadFileException("mqtt.tls.ciphers: cannot build the TLS context with protocols "
                    + settings.protocols() + " and ciphers " + settings.ciphers() + ": " + e.getMessage());
        }
    }

    private static X509Certificate[] certificates(String key, Path file) throws BadFileException {
        readable(key, file);
        try {
            X509Certificate[] certs = PemFiles.certificates(file.toFile());
            if (certs.length == 0) {
                throw new BadFileException(key, file, "holds no PEM certificate");
            }
            return certs;
        } catch (BadFileException e) {
            throw e;
        } catch (Exception e) {
            throw new BadFileException(key, file, "not a PEM certificate file: " + e.getMessage());
        }
    }

    private static PrivateKey privateKey(Path file, String password, X509Certificate leaf) throws BadFileException {
        String key = "mqtt.tls.keyFile";
        readable(key, file);
        PrivateKey privateKey;
        try {
            privateKey = jdkKey(PemFiles.privateKey(file.toFile(), password));
        } catch (Exception e) {
            throw new BadFileException(key, file, "not a PEM PKCS#8 private key"
                    + (password != null ? " for the password in mqtt.tls.keyPasswordFile" : " (encrypted? set mqtt.tls.keyPasswordFile)")
                    + ": " + e.getMessage());
        }
        if (!matches(privateKey, leaf)) {
            throw new BadFileException(key, file, "the key does not belong to the first certificate of mqtt.tls.certFile");
        }
        return privateKey;
    }

    /** Signs and verifies a few bytes: a key that is not the certificate's fails every handshake. */
    private static boolean matches(PrivateKey key, X509Certificate leaf) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            return true; // no check for other key types; the handshake will tell
        }
        try {
            byte[] data = "rmqtt".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(data);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(leaf.getPublicKey());
            verifier.update(data);
            return verifier.verify(signature);
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * Netty reads keys with BouncyCastle when it is on the class path, whose EC keys say "ECDSA";
     * the JDK's own key of the same bytes works with every JDK signature and TLS engine.
     */
    private static PrivateKey jdkKey(PrivateKey key) {
        String algorithm = switch (key.getAlgorithm()) {
            case "ECDSA" -> "EC";
            case "EdDSA" -> "Ed25519";
            default -> key.getAlgorithm();
        };
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(key.getEncoded()));
        } catch (Exception e) {
            return key;
        }
    }

    private static void readable(String key, Path file) throws BadFileException {
        if (!Files.isRegularFile(file)) {
            throw new BadFileException(key, file, "no such file");
        }
        if (!Files.isReadable(file)) {
            throw new BadFileException(key, file, "not readable by this process");
        }
    }

    private static String read(String key, Path file) throws BadFileException {
        readable(key, file);
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BadFileException(key, file, "cannot read: " + e.getMessage());
        }
    }

    /** Modification time, size and identity (inode) of each file; a missing file stamps as null. */
    private List<Object> stamps() {
        List<Object> stamps = new ArrayList<>();
        for (Watched w : settings.files()) {
            try {
                BasicFileAttributes a = Files.readAttributes(w.file(), BasicFileAttributes.class);
                stamps.add(List.of(a.lastModifiedTime(), a.size(), Objects.toString(a.fileKey())));
            } catch (IOException e) {
                stamps.add(null);
            }
        }
        return stamps;
    }

    private static SslProvider provider(String name) {
        return switch (name) {
            case "jdk" -> SslProvider.JDK;
            case "openssl" -> {
                if (!OpenSsl.isAvailable()) {
                    throw new ConfigException("mqtt.tls.provider: openssl, but OpenSSL cannot be loaded here: "
                            + OpenSsl.unavailabilityCause());
                }
                yield SslProvider.OPENSSL;
            }
            default -> OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        };
    }

    /**
     * Netty's own PEM readers (PKCS#8, encrypted too, with BouncyCastle's help where present) are
     * protected statics of {@link SslContext}; reading the files apart lets an error name its file.
     */
    private abstract static class PemFiles extends SslContext {
        static X509Certificate[] certificates(File file) throws Exception {
            return toX509Certificates(file);
        }

        static PrivateKey privateKey(File file, String password) throws Exception {
            return toPrivateKey(file, password);
        }
    }
}
