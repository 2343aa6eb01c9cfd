package io.audiopipeline.common.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.audiopipeline.common.testing.TestServers;
import java.sql.SQLException;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DatabaseIT {
    private Database db;

    @BeforeEach
    void open() throws Exception {
        db = TestServers.freshDatabase();
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void theSchemaCanBeAppliedAgain() throws Exception {
        db.applySchema();
        db.applySchema();
        assertThat(count("SELECT count(*) FROM information_schema.views WHERE table_name IN ('batch_progress', 'stuck_batches')")).isEqualTo(2);
    }

    @Test
    void retriedWritesAreIdempotent() throws Exception {
        BatchRepository batches = new BatchRepository(db);
        AudioFileRepository files = new AudioFileRepository(db);
        TranscriptRepository transcripts = new TranscriptRepository(db);
        String batch = "20250101-000000-abcdef";
        assertThat(batches.insertIfAbsent(batch, "archives/a.tar", "a.tar", null, 10L, Instant.now())).isTrue();
        assertThat(batches.insertIfAbsent(batch, "archives/a.tar", "a.tar", null, 10L, Instant.now())).isFalse();

        AudioFileRecord first = files.register(batch, "dir/a.mp3");
        AudioFileRecord again = files.register(batch, "dir/a.mp3");
        assertThat(again.audioId()).isEqualTo(first.audioId());
        assertThat(again.attempts()).isEqualTo(2);

        TranscriptRecord t = new TranscriptRecord(first.audioId(), "en", "hello", "[]", "pocketsphinx", "0.8", "en-us", 1.0, 0.5, 0.5);
        assertThat(transcripts.save(t)).isTrue();
        assertThat(transcripts.save(t)).isFalse();
        assertThat(count("SELECT count(*) FROM transcripts")).isEqualTo(1);
    }

    @Test
    void constraintsRejectRowsOutsideTheContract() {
        BatchRepository batches = new BatchRepository(db);
        assertThatThrownBy(() -> batches.insertIfAbsent("../../etc", "k", "f", null, null, null)).isInstanceOf(SQLException.class);
        AudioFileRepository files = new AudioFileRepository(db);
        assertThatThrownBy(() -> files.register("20250101-000000-ffffff", "orphan.mp3"))
                .as("a file of an unknown batch").isInstanceOf(SQLException.class);
    }

    @Test
    void stuckBatchesViewFlagsBatchesWithoutProgress() throws Exception {
        BatchRepository batches = new BatchRepository(db);
        batches.insertIfAbsent("20250101-000000-000001", "k", "f", null, null, null);
        batches.insertIfAbsent("20250101-000000-000002", "k", "f", null, null, null);
        db.withHandle(h -> h.execute("UPDATE batches SET updated_at = now() - interval '2 hours' WHERE batch_id = '20250101-000000-000001'"));
        assertThat(count("SELECT count(*) FROM stuck_batches WHERE batch_id = '20250101-000000-000001'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM stuck_batches WHERE batch_id = '20250101-000000-000002'")).isZero();
    }

    private long count(String sql) throws SQLException {
        return db.withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

}
