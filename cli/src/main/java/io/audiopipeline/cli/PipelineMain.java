package io.audiopipeline.cli;

import io.audiopipeline.common.config.Printable;
import io.audiopipeline.common.config.Secrets;
import io.audiopipeline.common.app.Launcher;
import io.audiopipeline.common.app.UnavailableException;
import io.audiopipeline.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code pipeline}: the operator's command. */
@Command(name = "pipeline", mixinStandardHelpOptions = true, version = "audio-pipeline 0.1.0",
        description = {"Operate the audio pipeline: watch queues and batches, enqueue archives, recover from trouble,",
                "and export transcripts. To see it all work once on this machine: bin/demo.",
                "",
                "Servers come from the environment: REDIS_URL, DATABASE_URL (+ DATABASE_USER, DATABASE_PASSWORD),",
                "S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY, S3_BUCKET (see README)."},
        subcommands = {DbCommand.class, EnqueueCommand.class, StatusCommand.class, BatchCommand.class,
                DeadCommand.class, RecoverCommand.class, TranscriptsCommand.class, EventsCommand.class, RelabelCommand.class, LabelsCommand.class, WebCommand.class, RetentionCommand.class,
                CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:the command ran but found a problem (e.g. a batch failed, stuck batches)",
                "2:usage error", "69:a server (Redis, PostgreSQL, S3) is unreachable", "78:configuration error"})
public final class PipelineMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    static int execute(String... args) {
        return execute(new PipelineMain(), args);
    }

    /** Runs {@code command} (a picocli command) with the operator's exit statuses: 78 configuration, 69 unreachable, one line each. */
    public static int execute(Object command, String... args) {
        CommandLine cli = new CommandLine(command);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            String program = commandLine.getCommandSpec().root().name();
            if (e instanceof ConfigException) {
                commandLine.getErr().println(Printable.escape(Secrets.mask(program + ": configuration error: " + e.getMessage())));
                return Launcher.EX_CONFIG;
            }
            if (e instanceof UnavailableException) {
                commandLine.getErr().println(Printable.escape(Secrets.mask(program + ": " + e.getMessage())));
                return Launcher.EX_UNAVAILABLE;
            }
            if (e instanceof CliFailure failure) {
                commandLine.getErr().println(Printable.escape(Secrets.mask(program + ": " + failure.getMessage())));
                return failure.exitCode();
            }
            commandLine.getErr().println(Printable.escape(Secrets.mask(program + ": " + e.getClass().getSimpleName() + ": " + e.getMessage())));
            return Launcher.EX_SOFTWARE;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
