package io.audiopipeline.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "retention", mixinStandardHelpOptions = true,
        description = {"Set the bucket's lifecycle rule that expires source archives (S3_ARCHIVE_PREFIX) after --days.",
                "Exit status 3 when the S3 service does not support lifecycle rules (it answers 501)."})
final class RetentionCommand implements Callable<Integer> {
    static final int UNSUPPORTED = 3;

    @Option(names = "--days", required = true, description = "days after which an archive object expires")
    int days;

    @Override
    public Integer call() {
        if (days < 1) {
            throw new CliFailure("--days must be at least 1", 2);
        }
        try (Connections c = Connections.fromEnvironment()) {
            String prefix = c.store().config().archivePrefix();
            if (!c.store().expireAfter(prefix, days)) {
                System.err.println("the S3 service of bucket " + c.store().bucket() + " does not support lifecycle rules (501 Not Implemented): "
                        + "archives under " + prefix + " are not expired; delete them with ARCHIVE_RETENTION=delete or the service's own tools");
                return UNSUPPORTED;
            }
            System.out.println("lifecycle rule set: objects under s3://" + c.store().bucket() + "/" + prefix + " expire after " + days + " days");
            return 0;
        }
    }
}
