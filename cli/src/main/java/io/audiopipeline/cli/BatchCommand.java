package io.audiopipeline.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.audiopipeline.common.batch.BatchCounts;
import io.audiopipeline.common.batch.BatchTracker;
import io.audiopipeline.common.config.Printable;
import io.audiopipeline.common.db.AudioFileRecord;
import io.audiopipeline.common.db.AudioFileRepository;
import io.audiopipeline.common.db.BatchRecord;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.IgnoredEntry;
import io.audiopipeline.common.db.IgnoredEntryRepository;
import io.audiopipeline.common.db.LabelRepository;
import io.audiopipeline.common.job.BatchId;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "batch", mixinStandardHelpOptions = true,
        description = "One batch: its Redis keys, its database row, and every file with its state and error.")
final class BatchCommand implements Callable<Integer> {
    @Parameters(paramLabel = "BATCH_ID")
    String batchId;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Option(names = "--watch", description = "redraw every 2 seconds until the batch completes")
    boolean watch;

    @Override
    public Integer call() throws Exception {
        if (!BatchId.isValid(batchId)) {
            throw new CliFailure("'" + batchId + "' is not a batch id (YYYYMMDD-HHMMSS-xxxxxx)", 2);
        }
        try (Connections c = Connections.fromEnvironment()) {
            while (true) {
                BatchRecord row = new BatchRepository(c.database()).find(batchId)
                        .orElseThrow(() -> new CliFailure("no batch " + batchId + " in the database", 1));
                BatchCounts counts = new BatchTracker(c.redis()).counts(batchId);
                List<AudioFileRecord> files = new AudioFileRepository(c.database()).byBatch(batchId);
                List<IgnoredEntry> ignored = new IgnoredEntryRepository(c.database()).byBatch(batchId);
                List<LabelRepository.PolicyCounts> labels = new LabelRepository(c.database()).countsByBatch(batchId);
                if (json) {
                    ObjectMapper mapper = c.codec().mapper();
                    ObjectNode out = mapper.createObjectNode();
                    out.set("keys", mapper.valueToTree(counts));
                    out.set("row", mapper.valueToTree(row));
                    out.set("files", mapper.valueToTree(files));
                    out.set("ignored_entries", mapper.valueToTree(ignored));
                    out.set("labels", mapper.valueToTree(labels));
                    System.out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(out));
                } else {
                    if (watch) {
                        System.out.print("\033[H\033[2J");
                    }
                    print(row, counts, files, ignored, labels);
                }
                if (!watch || "completed".equals(row.status()) || "failed".equals(row.status())) {
                    return "failed".equals(row.status()) ? 1 : 0;
                }
                Thread.sleep(Duration.ofSeconds(2).toMillis());
            }
        }
    }

    private static void print(BatchRecord row, BatchCounts counts, List<AudioFileRecord> files, List<IgnoredEntry> ignored,
                              List<LabelRepository.PolicyCounts> labels) {
        long done = counts.processed() + counts.failed();
        System.out.printf("batch %s  %s  %s%n", row.batchId(), row.status(), ProgressBar.bar(done, counts.total() == null ? 0 : counts.total()));
        System.out.printf("  keys:   total=%s processed=%d failed=%d node=%s s3_key=%s%s%n", counts.total() == null ? "(unset)" : counts.total(),
                counts.processed(), counts.failed(), counts.node(), counts.s3Key(), counts.completed() ? " (completed)" : "");
        System.out.printf("  row:    archive %s (%s), %s bytes, sha256 %s%n", row.s3Key(), row.originalFilename(), row.sizeBytes(), row.sha256());
        System.out.printf("          created %s, unpacked %s, completed %s%s%n", row.createdAt(), row.unpackedAt(), row.completedAt(),
                row.error() == null ? "" : "\n          error: " + row.error());
        System.out.printf("  files (%d):%n", files.size());
        for (AudioFileRecord f : files) {
            System.out.printf("    %-11s %-40s %s%s%s%n", f.status(), Printable.escape(f.originalFilename()), f.audioId(),
                    f.noSpeech() ? "  no speech" : "", f.error() == null ? "" : "  error: " + Printable.escape(f.error()));
        }
        if (!ignored.isEmpty()) {
            System.out.printf("  ignored entries (%d): not recordings, nothing was done with them%n", ignored.size());
            for (IgnoredEntry e : ignored) {
                System.out.printf("    %-40s %s%n", Printable.escape(e.name()), Printable.escape(e.reason()));
            }
        }
        if (!labels.isEmpty()) {
            System.out.println("  labels (per policy version and model: transcripts labelled 1 / 0 / not labelled):");
            for (LabelRepository.PolicyCounts l : labels) {
                System.out.printf("    %-24s %s  %-24s 1: %d  0: %d  failed: %d%n", Printable.escape(l.policyName()), l.policySha256().substring(0, 12),
                        Printable.escape(l.model()), l.ones(), l.zeros(), l.failed());
            }
        }
        System.out.println("  (at " + Instant.now() + ")");
    }
}
