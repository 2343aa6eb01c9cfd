package io.audiopipeline.cli;

import io.audiopipeline.common.db.LabelRepository;
import io.audiopipeline.common.job.BatchId;
import io.audiopipeline.common.job.LabelJob;
import io.audiopipeline.common.label.Policy;
import io.audiopipeline.common.label.PolicyDirectory;
import io.audiopipeline.common.queue.QueueKeys;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "relabel", mixinStandardHelpOptions = true,
        description = {"Label stored transcripts against a policy as its file is now, without transcribing anything again.",
                "Records the policy's version, queues one job on queue:label per transcript that has no label under it yet",
                "(any GPU worker with a labeller takes them), and follows their progress. A transcript is labelled once",
                "per policy version; labels made under earlier versions stay, marked with their version."})
final class RelabelCommand implements Callable<Integer> {
    @Option(names = "--policy", required = true, paramLabel = "NAME", description = "the policy: NAME.txt or NAME.md in POLICIES_DIR")
    String name;

    @Option(names = "--file", paramLabel = "FILE", description = "read the policy from FILE instead of POLICIES_DIR")
    Path file;

    @Option(names = "--batch", paramLabel = "ID", description = "only the transcripts of this batch")
    String batchId;

    @Option(names = "--since", paramLabel = "DATE", description = "only transcripts made since DATE (2026-11-01 or an ISO instant)")
    String since;

    @Option(names = "--no-wait", description = "return once the jobs are queued")
    boolean noWait;

    @Override
    public Integer call() throws Exception {
        if (batchId != null && !BatchId.isValid(batchId)) {
            throw new CliFailure("'" + batchId + "' is not a batch id (YYYYMMDD-HHMMSS-xxxxxx)", 2);
        }
        Instant from = since == null ? null : parseSince(since);
        try (Connections c = Connections.fromEnvironment()) {
            Policy policy = policy(c);
            LabelRepository labels = new LabelRepository(c.database());
            labels.recordPolicy(policy);
            List<LabelRepository.Stored> todo = labels.unlabelled(policy.sha256(), batchId, from);
            System.err.printf("policy %s, version %s: %d transcript(s) to label%n", policy.name(), policy.shortVersion(), todo.size());
            Progress progress = new Progress(System.err, "queued");
            String queue = QueueKeys.label().main();
            for (int i = 0; i < todo.size(); i++) {
                LabelRepository.Stored s = todo.get(i);
                c.redis().lpush(queue, c.codec().encode(new LabelJob(s.batchId(), s.audioId().toString(), policy.sha256())));
                progress.update(i + 1, todo.size());
            }
            progress.end();
            if (noWait || todo.isEmpty()) {
                System.out.println(todo.size() + " labelling job(s) queued on " + queue);
                return 0;
            }
            return follow(labels, policy, todo.stream().map(LabelRepository.Stored::audioId).toList());
        }
    }

    private Policy policy(Connections c) throws Exception {
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new CliFailure(file + " is not a file", 2);
            }
            return Policy.of(name, Files.readString(file));
        }
        Path dir = c.env().path("POLICIES_DIR", null);
        if (dir == null) {
            throw new CliFailure("set POLICIES_DIR (the policies' directory) or give --file", 78);
        }
        return new PolicyDirectory(dir).named(name)
                .orElseThrow(() -> new CliFailure("no policy " + name + " (" + name + ".txt or " + name + ".md) in " + dir, 2));
    }

    /** Waits until every queued transcript is labelled or failed; exit 1 when some could not be labelled. */
    private int follow(LabelRepository labels, Policy policy, List<UUID> ids) throws Exception {
        Progress progress = new Progress(System.err, "labelled");
        long settled;
        do {
            Thread.sleep(Duration.ofSeconds(1).toMillis());
            settled = labels.settled(policy.sha256(), ids);
            progress.update(settled, ids.size());
        } while (settled < ids.size());
        progress.end();
        long failed = labels.failed(policy.sha256(), ids);
        System.out.printf("%d transcript(s) labelled under %s version %s, %d could not be labelled%n", ids.size() - failed, policy.name(),
                policy.shortVersion(), failed);
        return failed == 0 ? 0 : 1;
    }

    private static Instant parseSince(String value) {
        try {
            return value.length() == 10 ? LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new CliFailure("--since " + value + " is not a date (2026-11-01) or an instant (2026-11-01T10:00:00Z)", 2);
        }
    }

    /** A bar redrawn in place on a terminal; without one, a line per tenth of the way. */
    private static final class Progress {
        private final PrintStream out;
        private final String what;
        private final boolean terminal = System.console() != null;
        private long lastTenth = -1;

        Progress(PrintStream out, String what) {
            this.out = out;
            this.what = what;
        }

        void update(long done, long total) {
            String line = String.format("%s %d/%d %s", ProgressBar.bar(done, total), done, total, what);
            if (terminal) {
                out.print("\r" + line);
            } else if (total > 0 && done * 10 / total != lastTenth) {
                lastTenth = done * 10 / total;
                out.println(line);
            }
        }

        void end() {
            if (terminal) {
                out.println();
            }
        }
    }
}
