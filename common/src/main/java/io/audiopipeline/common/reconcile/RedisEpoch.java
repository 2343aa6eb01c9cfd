package io.audiopipeline.common.reconcile;

import java.util.Optional;
import java.util.UUID;
import redis.clients.jedis.UnifiedJedis;

/**
 * Tells when Redis lost data: the reconciler that leads writes {@code pipeline:epoch} = {@code <id>:<millis>}
 * at every check. The key gone means Redis lost every key (a restart without persistence, a FLUSHALL);
 * the key holding an older stamp of ours means Redis went back in time to that stamp (a restart from an
 * older snapshot, a failover to a replica that had not caught up). Either is a {@link Loss} from a moment
 * on: what Redis took in after it may be gone.
 */
final class RedisEpoch {
    static final String KEY = "pipeline:epoch";

    /** Redis lost what it took in after {@code sinceMillis} (epoch millis). */
    record Loss(String what, long sinceMillis) {
    }

    private final UnifiedJedis redis;
    private final String id = UUID.randomUUID().toString();
    private long lastWritten = -1;

    RedisEpoch(UnifiedJedis redis) {
        this.redis = redis;
    }

    /** Compares the key with what this leader wrote last, then writes it anew. */
    Optional<Loss> check(long nowMillis) {
        String seen = redis.get(KEY);
        Optional<Loss> loss = Optional.empty();
        if (lastWritten >= 0) {
            if (seen == null) {
                loss = Optional.of(new Loss("Redis lost every key (restarted without its data, or flushed)", lastWritten));
            } else {
                long stamp = stampOf(seen);
                if (seen.startsWith(id + ":") && stamp < lastWritten) {
                    loss = Optional.of(new Loss("Redis went back in time " + (lastWritten - stamp) / 1000.0
                            + " s (restarted from an older snapshot, or failed over to a replica that had not caught up)", stamp));
                }
            }
        }
        redis.set(KEY, id + ":" + nowMillis);
        lastWritten = nowMillis;
        return loss;
    }

    /** A new leader starts from what is there. */
    void reset() {
        lastWritten = -1;
    }

    private static long stampOf(String value) {
        try {
            return Long.parseLong(value.substring(value.lastIndexOf(':') + 1));
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            return -1;
        }
    }
}
