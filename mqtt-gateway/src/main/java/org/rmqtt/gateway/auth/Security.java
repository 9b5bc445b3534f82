package org.rmqtt.gateway.auth;

import org.rmqtt.common.health.Counters;
import io.netty.channel.Channel;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.rmqtt.common.config.ConfigException;
import org.rmqtt.common.config.GatewayConfig;

/**
 * Authentication and authorization of one gateway, built from the {@code auth.*} keys: the chain,
 * the ACL, the password-hashing threads and the reload timer. A bad password or ACL file stops
 * start-up with a message naming the file and line.
 */
public final class Security implements AutoCloseable {
    /** How long a verified password is remembered (a reconnect storm does not hash it again). */
    static final Duration PASSWORD_CACHE_TTL = Duration.ofMinutes(2);
    /** Password checks waiting per hashing thread (~0.1-0.2 s each); more are refused with 0x03. */
    private static final int HASH_QUEUE_PER_THREAD = 256;

    /** What a verified client certificate's CN stands for. */
    public enum CertificateAs { NONE, USERNAME, CLIENT_ID }

    private final Authenticator authenticator;
    private final Authorizer authorizer;
    private final Counters counters;
    private final CertificateAs certificateAs;
    private final List<AutoCloseable> resources = new ArrayList<>();

    private Security(Authenticator authenticator, Authorizer authorizer, Counters counters, CertificateAs certificateAs) {
        this.authenticator = authenticator;
        this.authorizer = authorizer;
        this.counters = counters;
        this.certificateAs = certificateAs;
    }

    /** Lets everyone in and allows everything: for tests that build a gateway by hand. */
    public static Security allowAll() {
        return new Security(new AnonymousAuthenticator(), Authorizer.ALLOW_ALL, new Counters(), CertificateAs.NONE);
    }

    /** An authenticator and ACL as given, no reloads: for unit tests. */
    static Security of(Authenticator authenticator, Authorizer authorizer, Counters counters, CertificateAs certificateAs) {
        return new Security(authenticator, authorizer, counters, certificateAs);
    }

    /** @throws ConfigException naming the key, file and line of what is wrong */
    public static Security fromConfig(GatewayConfig config) {
        return fromConfig(config, new Counters());
    }

    /** With the outcomes of checks counted in {@code counters} (the gateway's, exported as metrics). */
    public static Security fromConfig(GatewayConfig config, Counters counters) {
        ScheduledExecutorService reloads = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "rmqtt-auth-reload"));
        List<AutoCloseable> resources = new ArrayList<>();
        resources.add(reloads::shutdownNow);
        try {
            long reloadMillis = config.authReloadInterval().toMillis();
            List<Authenticator> chain = new ArrayList<>();
            for (String name : config.authChain()) {
                switch (name) {
                    case "anonymous" -> chain.add(new AnonymousAuthenticator());
                    case "certificate" -> chain.add(new CertificateAuthenticator());
                    case "file" -> {
                        ReloadingFile<PasswordFile> file = load("auth.passwordFile", config.authPasswordFile(), "password file",
                                true, PasswordFile::parse);
                        reloads.scheduleWithFixedDelay(file::checkForChange, reloadMillis, reloadMillis, TimeUnit.MILLISECONDS);
                        int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
                        ThreadPoolExecutor hashing = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                                new ArrayBlockingQueue<>(HASH_QUEUE_PER_THREAD * threads), r -> daemon(r, "rmqtt-auth-hash"));
                        resources.add(hashing::shutdownNow);
                        chain.add(new PasswordFileAuthenticator(file, hashing, PASSWORD_CACHE_TTL, 100_000));
                    }
                    case "http" -> chain.add(new HttpAuthenticator(URI.create(config.authHttpUrl()), config.authHttpTimeout(),
                            config.authHttpCacheTtl()));
                    default -> throw new ConfigException("auth.chain: unknown authenticator " + name);
                }
            }
            Authorizer authorizer;
            if (config.authAclFile().isEmpty()) {
                authorizer = new Authorizer(null, counters);
            } else {
                ReloadingFile<Acl> acl = load("auth.aclFile", config.authAclFile(), "ACL file", false, Acl::parse);
                reloads.scheduleWithFixedDelay(acl::checkForChange, reloadMillis, reloadMillis, TimeUnit.MILLISECONDS);
                authorizer = new Authorizer(acl, counters);
            }
            CertificateAs certificateAs = switch (config.authCertificateAs()) {
                case "username" -> CertificateAs.USERNAME;
                case "clientId" -> CertificateAs.CLIENT_ID;
                default -> CertificateAs.NONE;
            };
            Security security = new Security(new AuthChain(chain), authorizer, counters, certificateAs);
            security.resources.addAll(resources);
            return security;
        } catch (RuntimeException e) {
            closeAll(resources);
            throw e;
        }
    }

    private static <T> ReloadingFile<T> load(String key, String path, String what, boolean secret, ReloadingFile.Parser<T> parser) {
        try {
            return new ReloadingFile<>(Path.of(path), what, secret, parser);
        } catch (AuthFileException e) {
            throw new ConfigException(key + ": " + e.getMessage());
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    public Authenticator authenticator() {
        return authenticator;
    }

    public Authorizer authorizer() {
        return authorizer;
    }

    public Counters counters() {
        return counters;
    }

    /**
     * The credentials of a CONNECT on {@code channel}, with the verified client certificate's CN
     * applied as auth.certificateAs says; null when the client id contradicts the certificate.
     */
    public Credentials credentials(Channel channel, String clientId, String username, byte[] password) {
        String cn = PeerCertificates.commonName(channel);
        if (cn != null && certificateAs == CertificateAs.USERNAME) {
            username = cn;
        } else if (cn != null && certificateAs == CertificateAs.CLIENT_ID && !cn.equals(clientId)) {
            return null;
        }
        String peer = channel.remoteAddress() instanceof java.net.InetSocketAddress a && a.getAddress() != null
                ? a.getAddress().getHostAddress() + ":" + a.getPort() : String.valueOf(channel.remoteAddress());
        return new Credentials(clientId, username, password, peer, cn);
    }

    @Override
    public void close() {
        closeAll(resources);
    }

    private static void closeAll(List<AutoCloseable> resources) {
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception e) {
                // shutting down: nothing left to do with it
            }
        }
        resources.clear();
    }
}
