package io.audiopipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.audiopipeline.common.config.Printable;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Queues (waiting, in flight, delayed retries, dead), the workers alive, and every active batch with",
                "its progress; batches without progress for --stuck-after are flagged STUCK (exit status 1)."})
final class StatusCommand implements Callable<Integer> {
    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Option(names = "--stuck-after", description = "no progress for this long is stuck (default: STUCK_AFTER or 30m)")
    String stuckAfter;

    @Override
    public Integer call() throws Exception {
        try (Connections c = Connections.fromEnvironment()) {
            Duration stuck = stuckAfter != null
                    ? new io.audiopipeline.common.config.Env(java.util.Map.of("STUCK_AFTER", stuckAfter)).duration("STUCK_AFTER", Duration.ofMinutes(30), Duration.ZERO)
                    : c.env().duration("STUCK_AFTER", Duration.ofMinutes(30), Duration.ZERO);
            ObjectMapper mapper = c.codec().mapper();
            Instant now = Instant.now();
            c.redis(); // Redis first: the queues are what status is mostly about, and an unreachable Redis is what it reports first
            List<BatchView> batches = new BatchViews(c.database()).active(stuck, now);
            ObjectNode report = StatusReport.build(c, batches);
            long stuckCount = report.get("stuck_batches").asLong();

            if (json) {
                System.out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(report));
            } else {
                print(report, batches, now);
            }
            return stuckCount > 0 ? 1 : 0;
        }
    }

    private static void print(ObjectNode report, List<BatchView> batches, Instant now) {
        System.out.println("QUEUES");
        System.out.printf("  %-32s %9s %9s %9s %9s  %s%n", "queue", "waiting", "in-flight", "delayed", "dead", "oldest waiting");
        for (JsonNode q : report.get("queues")) {
            System.out.printf("  %-32s %9d %9d %9d %9d  %s%n", "queue:" + q.get("queue").asText(), q.get("waiting").asLong(),
                    q.get("in_flight").asLong(), q.get("delayed").asLong(), q.get("dead").asLong(),
                    q.has("oldest_waiting_seconds") ? ProgressBar.duration(Duration.ofSeconds(q.get("oldest_waiting_seconds").asLong())) : "-");
        }
        System.out.println();
        System.out.println("WORKERS ALIVE");
        if (report.get("workers").isEmpty()) {
            System.out.println("  none");
        }
        for (JsonNode w : report.get("workers")) {
            Instant beat = Instant.parse(w.get("beat_at").asText());
            System.out.printf("  %-8s node %-16s pid %-8s last beat %s ago  %s%n", w.path("kind").asText(), w.path("node").asText(),
                    w.path("pid").asText(), ProgressBar.duration(Duration.between(beat, now)),
                    !w.path("in_flight").isEmpty() ? "working on " + Printable.escape(w.path("in_flight").get(0).asText())
                            : w.path("jobs").isEmpty() ? "idle" : "working on " + Printable.escape(w.path("jobs").get(0).asText()));
        }
        System.out.println();
        JsonNode outbox = report.path("outbox");
        System.out.println("RESULT EVENTS");
        System.out.println(outbox.isMissingNode() ? "  (outbox not readable)" : outbox.path("backlog").asLong() == 0 ? "  all published"
                : String.format("  %d waiting to be published, the oldest for %s", outbox.path("backlog").asLong(),
                ProgressBar.duration(Duration.ofSeconds((long) outbox.path("oldest_unpublished_seconds").asDouble()))));
        System.out.println();
        JsonNode failedTransfers = report.path("failed_transfers");
        if (!failedTransfers.isEmpty()) {
            System.out.println("FAILED TRANSFERS (retried by the transfer worker)");
            for (JsonNode f : failedTransfers) {
                System.out.printf("  %s  attempts %d  last %s  %s%n", Printable.escape(f.path("name").asText()), f.path("attempts").asInt(),
                        f.path("last_failed_at").asText(), Printable.escape(f.path("error").asText()));
            }
            System.out.println();
        }
        System.out.println("ACTIVE BATCHES");
        if (batches.isEmpty()) {
            System.out.println("  none");
        }
        for (BatchView b : batches) {
            System.out.println("  " + b.progressLine(now));
        }
        long stuck = report.get("stuck_batches").asLong();
        if (stuck > 0) {
            System.out.println();
            System.out.println(stuck + " batch(es) STUCK: see README, 'When a batch is stuck'");
        }
    }
}
