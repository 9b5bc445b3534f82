package org.rmqtt.gateway.auth;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * A salted PBKDF2-HMAC-SHA512 hash in the form {@code $pbkdf2-sha512$<iterations>$<salt>$<hash>},
 * salt and hash in standard Base64 without padding. Hashing takes tens of milliseconds on
 * purpose: never on an event loop.
 */
public final class PasswordHash {
    static final String PREFIX = "$pbkdf2-sha512$";
    /** OWASP's 2023 figure for PBKDF2-HMAC-SHA512. */
    public static final int DEFAULT_ITERATIONS = 210_000;
    public static final int MIN_ITERATIONS = 100_000;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 64;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final int iterations;
    private final byte[] salt;
    private final byte[] hash;

    private PasswordHash(int iterations, byte[] salt, byte[] hash) {
        this.iterations = iterations;
        this.salt = salt;
        this.hash = hash;
    }

    /** A new hash of {@code password} with a random salt. */
    public static String create(byte[] password, int iterations) {
        if (iterations < MIN_ITERATIONS) {
            throw new IllegalArgumentException("at least " + MIN_ITERATIONS + " iterations");
        }
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        return format(iterations, salt, pbkdf2(password, salt, iterations, HASH_BYTES));
    }

    static String format(int iterations, byte[] salt, byte[] hash) {
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return PREFIX + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    }

    /** Parses a stored hash; IllegalArgumentException says what is wrong (never echoing the value). */
    public static PasswordHash parse(String stored) {
        if (!stored.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a " + PREFIX + " hash (plain-text passwords are not accepted;"
                    + " create entries with the passwd command)");
        }
        String[] parts = stored.substring(PREFIX.length()).split("\\$", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("a hash is " + PREFIX + "<iterations>$<salt>$<hash>");
        }
        int iterations;
        try {
            iterations = Integer.parseInt(parts[0]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("iterations must be a number");
        }
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be positive");
        }
        try {
            byte[] salt = Base64.getDecoder().decode(parts[1]);
            byte[] hash = Base64.getDecoder().decode(parts[2]);
            if (salt.length == 0 || hash.length < 16) {
                throw new IllegalArgumentException("salt or hash too short");
            }
            return new PasswordHash(iterations, salt, hash);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("salt or hash is not valid Base64 of the right length");
        }
    }

    /** Whether {@code password} hashes to this, compared in constant time. */
    public boolean matches(byte[] password) {
        return MessageDigest.isEqual(hash, pbkdf2(password, salt, iterations, hash.length));
    }

    int iterations() {
        return iterations;
    }

    /** PBKDF2-HMAC-SHA512 of the password read as UTF-8 (the JDK takes chars). */
    static byte[] pbkdf2(byte[] password, byte[] salt, int iterations, int length) {
        char[] chars = chars(password);
        PBEKeySpec spec = new PBEKeySpec(chars, salt, iterations, length * 8);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA512 is part of every Java 17", e);
        } finally {
            spec.clearPassword();
            Arrays.fill(chars, '\0');
        }
    }

    /**
     * The JDK's PBKDF2 encodes chars as UTF-8 again; bytes that are not UTF-8 are replaced, the
     * same way when hashing and when checking.
     */
    private static char[] chars(byte[] password) {
        try {
            CharBuffer cb = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(password));
            char[] chars = new char[cb.remaining()];
            cb.get(chars);
            return chars;
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalStateException(e); // REPLACE never throws
        }
    }
}
