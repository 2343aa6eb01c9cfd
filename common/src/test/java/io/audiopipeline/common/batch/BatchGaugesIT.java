package io.audiopipeline.common.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.audiopipeline.common.db.AudioFileRepository;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.Database;
import io.audiopipeline.common.testing.TestServers;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BatchGaugesIT {
    private Database db;
    private final PrometheusRegistry registry = new PrometheusRegistry();

    @BeforeEach
    void open() throws Exception {
        db = TestServers.freshDatabase();
        BatchGauges.register(registry, new BatchRepository(db));
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void openBatchesAreCountedByStatusWithTheLongestTimeWithoutProgress() throws Exception {
        BatchRepository batches = new BatchRepository(db);
        AudioFileRepository files = new AudioFileRepository(db);
        batches.insertIfAbsent("20250101-000000-00000a", "archives/a.tar", "a.tar", null, 1L, Instant.now());
        batches.insertIfAbsent("20250101-000000-00000b", "archives/b.tar", "b.tar", null, 1L, Instant.now());
        batches.insertIfAbsent("20250101-000000-00000c", "archives/c.tar", "c.tar", null, 1L, Instant.now());
        batches.insertIfAbsent("20250101-000000-00000d", "archives/d.tar", "d.tar", null, 1L, Instant.now());
        files.register("20250101-000000-00000b", "b/one.mp3");
        sql("UPDATE batches SET updated_at = now() - interval '2 hours' WHERE batch_id = '20250101-000000-00000a'");
        // b was written to 40 minutes ago, but one of its files moved 10 minutes ago: that is its last progress
        sql("UPDATE batches SET status = 'transcribing', updated_at = now() - interval '40 minutes' WHERE batch_id = '20250101-000000-00000b'");
        sql("UPDATE audio_files SET updated_at = now() - interval '10 minutes' WHERE batch_id = '20250101-000000-00000b'");
        sql("UPDATE batches SET status = 'transcribing', updated_at = now() - interval '1 minute' WHERE batch_id = '20250101-000000-00000c'");
        sql("UPDATE batches SET status = 'completed', updated_at = now() - interval '5 hours' WHERE batch_id = '20250101-000000-00000d'");

        assertThat(gauge("audio_pipeline_open_batches")).containsOnly(Map.entry("queued", 1.0), Map.entry("transcribing", 2.0));
        Map<String, Double> idle = gauge("audio_pipeline_batch_idle_seconds");
        assertThat(idle).containsOnlyKeys("queued", "transcribing");
        assertThat(idle.get("queued")).isCloseTo(7200, within(60.0));
        assertThat(idle.get("transcribing")).isCloseTo(600, within(60.0));
    }

    @Test
    void aScrapeWhileTheDatabaseIsDownCarriesNoBatchSamplesAndDoesNotFail() throws Exception {
        new BatchRepository(db).insertIfAbsent("20250101-000000-00000a", "archives/a.tar", "a.tar", null, 1L, Instant.now());
        assertThat(gauge("audio_pipeline_open_batches")).containsOnly(Map.entry("queued", 1.0));
        db.close();
        assertThat(gauge("audio_pipeline_open_batches")).isEmpty();
        assertThat(gauge("audio_pipeline_batch_idle_seconds")).isEmpty();
    }

    private Map<String, Double> gauge(String name) {
        Map<String, Double> byStatus = new HashMap<>();
        for (MetricSnapshot snapshot : registry.scrape()) {
            if (snapshot.getMetadata().getName().equals(name)) {
                for (GaugeSnapshot.GaugeDataPointSnapshot point : ((GaugeSnapshot) snapshot).getDataPoints()) {
                    byStatus.put(point.getLabels().get("status"), point.getValue());
                }
            }
        }
        return byStatus;
    }

    private void sql(String statement) throws Exception {
        db.withHandle(h -> h.execute(statement));
    }
}
