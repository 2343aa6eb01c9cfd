package io.audiopipeline.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "db", description = "Database tasks.", subcommands = DbCommand.Init.class, mixinStandardHelpOptions = true)
final class DbCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "init", description = "Create or update the schema (tables, views); safe to run again.", mixinStandardHelpOptions = true)
    static final class Init implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            try (Connections c = Connections.fromEnvironment()) {
                c.database().applySchema();
                System.out.println("schema applied to " + c.env().effective().getOrDefault("DATABASE_URL", "the database"));
            }
            return 0;
        }
    }
}
