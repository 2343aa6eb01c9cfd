package io.audiopipeline.cli;

import io.audiopipeline.common.archive.ArchiveNames;
import io.audiopipeline.common.archive.ArchivePublisher;
import io.audiopipeline.common.config.RuntimeConfig;
import io.audiopipeline.common.db.BatchRepository;
import io.audiopipeline.common.db.EventLog;
import io.audiopipeline.common.job.BatchId;
import io.audiopipeline.common.job.UnpackJob;
import io.audiopipeline.common.queue.JobPublisher;
import io.audiopipeline.common.storage.ProgressLog;
import io.audiopipeline.common.storage.TransferProgress;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "enqueue", mixinStandardHelpOptions = true,
        description = {"Upload local archives (.tar, .tar.gz, .tgz, .zip) to S3 and enqueue their unpack jobs,",
                "exactly as the transfer worker does. Prints each new batch id."})
final class EnqueueCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", arity = "1..*", description = "archives to enqueue")
    List<Path> files;

    @Option(names = "--json", description = "print the enqueued jobs as JSON lines")
    boolean json;

    @Override
    public Integer call() throws Exception {
        for (Path file : files) {
            if (!Files.isRegularFile(file)) {
                throw new CliFailure(file + " is not a file", 2);
            }
            if (!ArchiveNames.isArchive(file.getFileName().toString())) {
                throw new CliFailure(file + " is not a .tar, .tar.gz, .tgz or .zip archive", 2);
            }
        }
        try (Connections c = Connections.fromEnvironment()) {
            Clock clock = Clock.systemUTC();
            ArchivePublisher publisher = new ArchivePublisher(c.store(), new BatchRepository(c.database()),
                    new EventLog(c.database(), "pipeline-cli"), new JobPublisher(c.redis(), RuntimeConfig.DEFAULT_BATCH_KEY_TTL), c.codec(), clock);
            for (Path file : files) {
                String batchId = BatchId.next(clock);
                UnpackJob job = publisher.publish(batchId, file, file.getFileName().toString(), new TerminalProgress(System.err, file.getFileName().toString()));
                System.err.println();
                System.out.println(json ? c.codec().encode(job) : batchId + "  " + file.getFileName() + " -> " + job.s3Key());
            }
        }
        return 0;
    }

    /** One redrawn line per file: bar, bytes, rate, ETA. */
    static final class TerminalProgress implements TransferProgress {
        private final PrintStream out;
        private final String name;
        private final long started = System.nanoTime();
        private long lastDraw;

        TerminalProgress(PrintStream out, String name) {
            this.out = out;
            this.name = name;
        }

        @Override
        public synchronized void update(long done, long total) {
            long now = System.nanoTime();
            if (now - lastDraw < 100_000_000L && done < total) {
                return;
            }
            lastDraw = now;
            Duration elapsed = Duration.ofNanos(now - started);
            double rate = done / Math.max(0.001, elapsed.toMillis() / 1000.0);
            Duration eta = ProgressBar.eta(done, total, elapsed);
            out.printf("\r%-28s %s %s / %s  %s/s  ETA %s   ", name.length() > 28 ? name.substring(0, 28) : name, ProgressBar.bar(done, total),
                    ProgressLog.human(done), ProgressLog.human(total), ProgressLog.human((long) rate), eta == null ? "?" : ProgressBar.duration(eta));
            out.flush();
        }
    }
}
