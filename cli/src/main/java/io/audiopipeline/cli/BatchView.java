package io.audiopipeline.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.time.Instant;

/** A batch as operators see it: its row, its Redis counters, and whether it is stuck. */
record BatchView(@JsonProperty("batch_id") String batchId,
                 @JsonProperty("status") String status,
                 @JsonProperty("node") String node,
                 @JsonProperty("total") Long total,
                 @JsonProperty("processed") long processed,
                 @JsonProperty("failed") long failed,
                 @JsonProperty("created_at") Instant createdAt,
                 @JsonProperty("last_progress_at") Instant lastProgressAt,
                 @JsonProperty("stuck") boolean stuck) {

    String progressLine(Instant now) {
        long done = processed + failed;
        Duration age = Duration.between(createdAt, now);
        String counts = total == null ? "unpacking" : String.format("%d/%d", done, total) + (failed > 0 ? " (" + failed + " failed)" : "");
        StringBuilder line = new StringBuilder(String.format("%-24s %-12s %s %-18s age %s", batchId, status,
                ProgressBar.bar(done, total == null ? 0 : total), counts, ProgressBar.duration(age)));
        if (total != null && done > 0 && done < total) {
            double perMinute = done / Math.max(1.0 / 60, age.toMillis() / 60000.0);
            Duration eta = ProgressBar.eta(done, total, age);
            line.append(String.format(java.util.Locale.ROOT, "  %.1f files/min  ETA %s", perMinute, eta == null ? "?" : ProgressBar.duration(eta)));
        }
        if (stuck) {
            line.append("  STUCK: no progress for ").append(ProgressBar.duration(Duration.between(lastProgressAt, now)));
        }
        return line.toString();
    }
}
