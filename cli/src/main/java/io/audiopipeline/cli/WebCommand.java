package io.audiopipeline.cli;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;

@Command(name = "web", mixinStandardHelpOptions = true,
        description = {"A web view for operators and reviewers, from the same data the CLI reads: queues, workers, batches and",
                "their progress, each recording with its transcript (audio plays, words follow), dead letters.",
                "WEB_PORT (default 9100), WEB_BIND (default 127.0.0.1); actions that change anything (retry, purge) need",
                "WEB_TOKEN, and without it the view is read-only. Runs until Ctrl-C."})
final class WebCommand implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
        Connections c = Connections.fromEnvironment();
        WebConfig config = WebConfig.from(c.env());
        c.redis();
        c.database();
        CountDownLatch stopped = new CountDownLatch(1);
        try (WebServer server = WebServer.start(config, c)) {
            Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "web-stop"));
            System.err.printf("web view on http://%s:%d/ (%s)%n", config.bind(), server.port(),
                    config.token() == null ? "read-only: set WEB_TOKEN to allow retry and purge" : "actions need WEB_TOKEN");
            stopped.await();
        } finally {
            c.close();
        }
        return 0;
    }
}
