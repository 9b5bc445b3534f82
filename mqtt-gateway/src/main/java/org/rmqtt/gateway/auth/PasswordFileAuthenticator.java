package org.rmqtt.gateway.auth;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Checks a user name and password against the password file. A user the file does not know is
 * for the next authenticator; a wrong or missing password is refused with 0x04. The PBKDF2 check
 * runs on a small bounded executor; a success is remembered for a while, so a reconnect storm
 * does not hash every password again. A full executor refuses with 0x03.
 */
final class PasswordFileAuthenticator implements Authenticator {
    /** Keys of remembered successes use a per-process pepper: the cache never holds a bare digest. */
    private static final byte[] PEPPER = SecureRandom.getSeed(16);

    private final ReloadingFile<PasswordFile> file;
    private final Executor hashing;
    /** user + digest of the password → the hash it matched; a changed file entry misses. */
    private final Cache<String, PasswordHash> verified;

    PasswordFileAuthenticator(ReloadingFile<PasswordFile> file, Executor hashing, Duration cacheTtl, long cacheSize) {
        this.file = file;
        this.hashing = hashing;
        this.verified = CacheBuilder.newBuilder().expireAfterWrite(cacheTtl).maximumSize(cacheSize).build();
    }

    @Override
    public CompletionStage<AuthDecision> authenticate(Credentials credentials) {
        String user = credentials.username();
        if (user == null) {
            return CompletableFuture.completedFuture(AuthDecision.ignore());
        }
        PasswordHash hash = file.current().hash(user);
        if (hash == null) {
            return CompletableFuture.completedFuture(AuthDecision.ignore());
        }
        byte[] password = credentials.password();
        if (password == null) {
            return CompletableFuture.completedFuture(AuthDecision.badCredentials("user " + user + " without a password"));
        }
        String key = cacheKey(user, password);
        if (verified.getIfPresent(key) == hash) {
            return CompletableFuture.completedFuture(AuthDecision.allow("password file (cached)"));
        }
        try {
            return CompletableFuture.supplyAsync(() -> {
                if (hash.matches(password)) {
                    verified.put(key, hash);
                    return AuthDecision.allow("password file");
                }
                return AuthDecision.badCredentials("wrong password for user " + user);
            }, hashing);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(AuthDecision.unavailable("too many password checks waiting"));
        }
    }

    private static String cacheKey(String user, byte[] password) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(PEPPER);
            sha.update(password);
            return user + '\u0000' + HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java", e);
        }
    }
}
