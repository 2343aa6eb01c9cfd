package io.audiopipeline.common.testing;

import io.audiopipeline.common.batch.ArchiveRetention;
import io.audiopipeline.common.batch.BatchLedger;
import io.audiopipeline.common.batch.Outcome;
import io.audiopipeline.common.db.AudioFileRecord;
import io.audiopipeline.common.db.AudioFileRepository;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.db.EventLog;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import redis.clients.jedis.UnifiedJedis;

/** The ledger as the workers use it, for tests that start a batch at its hand-off or settle a file as the GPU worker does. */
public final class TestLedger {
    private TestLedger() {
    }

    public static BatchLedger of(Database db, UnifiedJedis redis) {
        return BatchLedger.wire(db, redis, new EventLog(db, "test"), null, null, ArchiveRetention.KEEP, Duration.ofDays(1));
    }

    /** The batch's row and its hand-off, as the unpack worker records them (no job published). */
    public static void handOff(Database db, UnifiedJedis redis, String batchId, String node, List<BatchLedger.FileEntry> files) throws Exception {
        new BatchRepository(db).insertIfAbsent(batchId, "archives/" + batchId + ".tar", batchId + ".tar", null, null, Instant.now());
        of(db, redis).handOff(batchId, "archives/" + batchId + ".tar", node, files);
    }

    /** The GPU worker's settlement of one file as processed. */
    public static Outcome processed(Database db, UnifiedJedis redis, String batchId, String name) throws Exception {
        AudioFileRecord row = new AudioFileRepository(db).find(batchId, name).orElseThrow();
        return of(db, redis).processed(batchId, row.audioId(), "processed/" + row.audioId() + ".opus", "a".repeat(64), 1);
    }
}
