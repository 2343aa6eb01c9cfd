package io.audiopipeline.cli;

import io.audiopipeline.common.delivery.OutboxEvent;
import io.audiopipeline.common.delivery.OutboxEvents;
import io.audiopipeline.common.job.BatchId;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "events", mixinStandardHelpOptions = true,
        description = {"A batch's result events (file.processed, file.failed, batch.completed, batch.failed, batch.stuck) in order,",
                "and where each went: the results queue, the webhook (attempts, last error, dead-lettered)."})
final class EventsCommand implements Callable<Integer> {
    @Parameters(paramLabel = "BATCH_ID")
    String batchId;

    @Option(names = "--json", description = "print the events as published (one JSON object per line)")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (!BatchId.isValid(batchId)) {
            throw new CliFailure("'" + batchId + "' is not a batch id (YYYYMMDD-HHMMSS-xxxxxx)", 2);
        }
        try (Connections c = Connections.fromEnvironment()) {
            List<OutboxEvent> events = new OutboxEvents(c.database()).ofBatch(batchId);
            for (OutboxEvent e : events) {
                if (json) {
                    System.out.println(e.envelope(c.codec().mapper()));
                    continue;
                }
                String webhook = e.webhookDeliveredAt() != null ? "delivered " + e.webhookDeliveredAt()
                        : e.webhookDeadAt() != null ? "DEAD after " + e.webhookAttempts() + " attempts: " + e.webhookError()
                        : e.webhookAttempts() > 0 ? e.webhookAttempts() + " failed attempt(s), next " + e.webhookNextAt() + ": " + e.webhookError()
                        : "-";
                System.out.printf("%4d  %-16s %s  %s  queue: %s  webhook: %s%n", e.seq(), e.type(), e.createdAt(),
                        e.audioId() == null ? "" : e.audioId(), e.queuePublishedAt() == null ? "-" : "published " + e.queuePublishedAt(), webhook);
            }
            if (events.isEmpty()) {
                System.err.println("no events for batch " + batchId);
            }
            return 0;
        }
    }
}
