package io.audiopipeline.cli;

import io.audiopipeline.common.db.BatchRecord;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.EventLog;
import io.audiopipeline.common.job.BatchId;
import io.audiopipeline.common.job.UnpackJob;
import io.audiopipeline.common.queue.BatchJobSweeper;
import io.audiopipeline.common.queue.QueueKeys;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "recover", mixinStandardHelpOptions = true,
        description = {"After a node was lost: drop the batch's jobs left on that node's queue and unpack the batch again",
                "from its retained archive on whichever node's unpack worker takes it. Files already counted are",
                "neither transcribed nor counted again."})
final class RecoverCommand implements Callable<Integer> {
    @Parameters(paramLabel = "BATCH_ID")
    String batchId;

    @Override
    public Integer call() throws Exception {
        if (!BatchId.isValid(batchId)) {
            throw new CliFailure("'" + batchId + "' is not a batch id (YYYYMMDD-HHMMSS-xxxxxx)", 2);
        }
        try (Connections c = Connections.fromEnvironment()) {
            BatchRecord row = new BatchRepository(c.database()).find(batchId)
                    .orElseThrow(() -> new CliFailure("no batch " + batchId + " in the database", 1));
            if ("completed".equals(row.status())) {
                throw new CliFailure("batch " + batchId + " is already complete; nothing to recover", 1);
            }
            if (!c.store().exists(row.s3Key())) {
                throw new CliFailure("the archive " + row.s3Key() + " is no longer in S3 (ARCHIVE_RETENTION or a lifecycle rule); "
                        + "enqueue the original archive again with 'pipeline enqueue'", 1);
            }
            String lostNode = row.node();
            long dropped = 0;
            if (lostNode != null) {
                dropped = new BatchJobSweeper(c.redis(), c.codec().mapper()).removeBatch(QueueKeys.transcribe(lostNode), batchId);
            }
            UnpackJob job = new UnpackJob(batchId, row.s3Key(), row.originalFilename(), Instant.now(), row.sizeBytes(), row.sha256());
            c.redis().lpush(QueueKeys.unpack().main(), c.codec().encode(job));
            new EventLog(c.database(), "pipeline-cli").record(batchId, null, "recover_requested",
                    "lost node " + lostNode + ", " + dropped + " stale job(s) dropped, unpack re-queued");
            System.out.printf("batch %s: %d stale job(s) dropped from queue:transcribe:%s, unpack job re-queued (%d of %s files already counted)%n",
                    batchId, dropped, lostNode, row.processedFiles() + row.failedFiles(), row.totalFiles() == null ? "?" : row.totalFiles());
        }
        return 0;
    }
}
