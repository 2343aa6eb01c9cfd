package io.audiopipeline.cli;

import io.audiopipeline.common.queue.DeadLetter;
import io.audiopipeline.common.config.Printable;
import io.audiopipeline.common.queue.DeadLetterStore;
import io.audiopipeline.common.queue.DeadLetters;
import io.audiopipeline.common.queue.QueueKeys;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Parameters;

@Command(name = "dead", mixinStandardHelpOptions = true,
        description = {"Dead-letter lists: jobs that failed permanently or ran out of attempts, with their errors.",
                "QUEUE is a queue name without the 'queue:' prefix: unpack, transcribe:<node>."},
        subcommands = {DeadCommand.ListDead.class, DeadCommand.Show.class, DeadCommand.Retry.class, DeadCommand.Purge.class})
final class DeadCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static QueueKeys queue(String name) {
        String bare = name.startsWith("queue:") ? name.substring("queue:".length()) : name;
        if (bare.endsWith(":dead")) {
            bare = bare.substring(0, bare.length() - ":dead".length());
        }
        try {
            return new QueueKeys(bare);
        } catch (IllegalArgumentException e) {
            throw new CliFailure("'" + name + "' is not a queue name", 2);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List dead jobs, newest first (id, time, attempts, error).")
    static final class ListDead implements Callable<Integer> {
        @Parameters(paramLabel = "QUEUE")
        String queue;

        @Option(names = "--json")
        boolean json;

        @Option(names = "--limit", defaultValue = "100")
        int limit;

        @Override
        public Integer call() throws Exception {
            try (Connections c = Connections.fromEnvironment()) {
                List<DeadLetter> entries = new DeadLetters(c.redis(), queue(queue), c.codec().mapper()).list(0, limit);
                if (json) {
                    System.out.println(c.codec().mapper().writerWithDefaultPrettyPrinter().writeValueAsString(entries));
                    return 0;
                }
                if (entries.isEmpty()) {
                    System.out.println("no dead jobs on queue:" + queue(queue).name());
                }
                for (DeadLetter e : entries) {
                    System.out.printf("%s  %s  attempts %d  %s%n", e.id(), e.failedAt(), e.attempts(), Printable.escape(e.error()));
                }
            }
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "One dead job in full: payload, error, attempts, worker.")
    static final class Show implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "QUEUE")
        String queue;

        @Parameters(index = "1", paramLabel = "ID", description = "the entry's id, as 'pipeline dead list' shows it")
        String id;

        @Option(names = "--json")
        boolean json;

        @Override
        public Integer call() throws Exception {
            try (Connections c = Connections.fromEnvironment()) {
                DeadLetter e = new DeadLetters(c.redis(), queue(queue), c.codec().mapper()).find(id)
                        .orElseThrow(() -> new CliFailure("no dead job " + id + " on queue:" + queue(queue).name(), 1));
                if (json) {
                    System.out.println(c.codec().mapper().writerWithDefaultPrettyPrinter().writeValueAsString(e));
                } else {
                    System.out.printf("id:       %s%nqueue:    %s%nfailed:   %s%nattempts: %d%nworker:   %s%nerror:    %s%npayload:  %s%n",
                            e.id(), e.queue(), e.failedAt(), e.attempts(), Printable.escape(e.worker()), Printable.escape(e.error()), Printable.escape(e.payload()));
                }
            }
            return 0;
        }
    }

    @Command(name = "retry", mixinStandardHelpOptions = true, description = "Put a dead job (its ID) or all of them (--all) back on the queue.")
    static final class Retry implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "QUEUE")
        String queue;

        @Parameters(index = "1", paramLabel = "ID", arity = "0..1", description = "the entry's id, as 'pipeline dead list' shows it")
        String id;

        @Option(names = "--all", description = "re-queue every dead job of the queue")
        boolean all;

        @Override
        public Integer call() throws Exception {
            if (all == (id != null)) {
                throw new CliFailure("give either an ID (see 'pipeline dead list') or --all", 2);
            }
            try (Connections c = Connections.fromEnvironment()) {
                DeadLetters dead = new DeadLetters(c.redis(), queue(queue), c.codec().mapper(), new DeadLetterStore(c.database()));
                if (all) {
                    System.out.println("re-queued " + dead.retryAll() + " job(s) on queue:" + queue(queue).name());
                } else if (dead.retry(id)) {
                    System.out.println("re-queued dead job " + id + " on queue:" + queue(queue).name());
                } else {
                    throw new CliFailure("no dead job " + id + " on queue:" + queue(queue).name(), 1);
                }
            }
            return 0;
        }
    }

    @Command(name = "purge", mixinStandardHelpOptions = true, description = "Delete every dead job of the queue (asks first, unless --yes).")
    static final class Purge implements Callable<Integer> {
        @Parameters(paramLabel = "QUEUE")
        String queue;

        @Option(names = "--yes", description = "do not ask")
        boolean yes;

        @Override
        public Integer call() throws Exception {
            try (Connections c = Connections.fromEnvironment()) {
                DeadLetters dead = new DeadLetters(c.redis(), queue(queue), c.codec().mapper(), new DeadLetterStore(c.database()));
                long size = dead.size();
                if (size == 0) {
                    System.out.println("no dead jobs on queue:" + queue(queue).name());
                    return 0;
                }
                if (!yes) {
                    System.out.printf("delete %d dead job(s) of queue:%s for good? [y/N] ", size, queue(queue).name());
                    System.out.flush();
                    String answer = new BufferedReader(new InputStreamReader(System.in)).readLine();
                    if (answer == null || !answer.trim().equalsIgnoreCase("y")) {
                        System.out.println("nothing deleted");
                        return 1;
                    }
                }
                System.out.println("deleted " + dead.purge() + " dead job(s)");
            }
            return 0;
        }
    }
}
