package io.audiopipeline.cli;

import io.audiopipeline.common.batch.BatchRecovery;
import io.audiopipeline.common.db.BatchRecord;
import io.audiopipeline.common.queue.JobPublisher;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.EventLog;
import io.audiopipeline.common.job.BatchId;
import io.audiopipeline.common.queue.BatchJobSweeper;
import io.audiopipeline.common.queue.QueueKeys;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "recover", mixinStandardHelpOptions = true,
        description = {"After a node was lost: drop the batch's jobs left on that node's queue and unpack the batch again",
                "from its retained archive on whichever node's unpack worker takes it (the reconciler does this by itself after",
                "RECONCILE_NODE_LOST_AFTER). Files already settled are",
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
            String lostNode = row.node();
            long dropped = 0;
            if (lostNode != null) {
                dropped = new BatchJobSweeper(c.redis(), c.codec().mapper()).removeBatch(QueueKeys.transcribe(lostNode), batchId);
            }
            java.util.Optional<String> cannot = new BatchRecovery(new BatchRepository(c.database()), c.store(),
                    new JobPublisher(c.redis(), io.audiopipeline.common.config.RuntimeConfig.from(io.audiopipeline.common.config.Env.system(), 0, 1).batchKeyTtl()), c.codec(), new EventLog(c.database(), "pipeline-cli"),
                    java.time.Clock.systemUTC()).request(batchId, "recover requested by an operator: lost node " + lostNode + ", " + dropped
                    + " stale job(s) dropped");
            if (cannot.isPresent()) {
                throw new CliFailure(cannot.get() + "; enqueue the original archive again with 'pipeline enqueue'", 1);
            }
            System.out.printf("batch %s: %d stale job(s) dropped from queue:transcribe:%s, unpack job re-queued (%d of %s files already counted)%n",
                    batchId, dropped, lostNode, row.processedFiles() + row.failedFiles(), row.totalFiles() == null ? "?" : row.totalFiles());
        }
        return 0;
    }
}
