package io.audiopipeline.transfer;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;

/**
 * A claim on one source file, so that of several transfer workers watching the same source only one
 * takes it. The claim expires (TRANSFER_CLAIM_TTL) so a worker that died does not hold it forever;
 * only its owner releases it.
 */
final class ArchiveClaim {
    private static final String RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

    private final UnifiedJedis redis;
    private final String owner;
    private final Duration ttl;

    ArchiveClaim(UnifiedJedis redis, String owner, Duration ttl) {
        this.redis = redis;
        this.owner = owner;
        this.ttl = ttl;
    }

    boolean tryClaim(String identity) {
        return "OK".equals(redis.set(key(identity), owner, SetParams.setParams().nx().px(ttl.toMillis())));
    }

    void release(String identity) {
        redis.eval(RELEASE, List.of(key(identity)), List.of(owner));
    }

    static String key(String identity) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(identity.getBytes(StandardCharsets.UTF_8));
            return "transfer:claim:" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
