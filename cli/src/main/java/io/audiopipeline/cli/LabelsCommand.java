package io.audiopipeline.cli;

import io.audiopipeline.common.config.Printable;
import io.audiopipeline.common.db.LabelRepository;
import io.audiopipeline.common.job.BatchId;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "labels", mixinStandardHelpOptions = true,
        description = {"List the recordings a content policy labelled (by default the flagged ones, label 1), under any of its versions."})
final class LabelsCommand implements Callable<Integer> {
    @Option(names = "--policy", required = true, paramLabel = "NAME", description = "the policy's name")
    String policy;

    @Option(names = "--label", defaultValue = "1", paramLabel = "0|1", description = "which label (default ${DEFAULT-VALUE})")
    int label;

    @Option(names = "--batch", paramLabel = "ID", description = "only this batch")
    String batchId;

    @Override
    public Integer call() throws Exception {
        if (label != 0 && label != 1) {
            throw new CliFailure("--label is 0 or 1", 2);
        }
        if (batchId != null && !BatchId.isValid(batchId)) {
            throw new CliFailure("'" + batchId + "' is not a batch id (YYYYMMDD-HHMMSS-xxxxxx)", 2);
        }
        try (Connections c = Connections.fromEnvironment()) {
            List<LabelRepository.Flagged> rows = new LabelRepository(c.database()).withLabel(policy, label, batchId);
            for (LabelRepository.Flagged f : rows) {
                System.out.printf("%s  %s  %-40s version %s  %-24s score %.3f%n", f.batchId(), f.audioId(), Printable.escape(f.originalFilename()),
                        f.policySha256().substring(0, 12), Printable.escape(f.model()), f.score());
            }
            System.err.printf("%d label(s) %d under policy %s (all its versions)%n", rows.size(), label, policy);
        }
        return 0;
    }
}
