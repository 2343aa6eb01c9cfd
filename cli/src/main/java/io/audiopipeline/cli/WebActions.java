package io.audiopipeline.cli;

import com.sun.net.httpserver.HttpExchange;
import io.audiopipeline.common.db.EventLog;
import io.audiopipeline.common.queue.DeadLetterStore;
import io.audiopipeline.common.queue.DeadLetters;
import io.audiopipeline.common.queue.QueueKeys;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The web view's actions that change something: retrying and purging dead letters. Each needs WEB_TOKEN
 * (as {@code Authorization: Bearer …}); without a configured token the view is read-only. Each action is
 * recorded in {@code pipeline_events} with who (the client's address) and what.
 */
final class WebActions {
    private final Connections c;
    private final WebConfig config;

    WebActions(Connections c, WebConfig config) {
        this.c = c;
        this.config = config;
    }

    /** {@code POST /api/dead/QUEUE/retry?id=ID}, {@code …/retry?all=true}, {@code …/purge}. */
    void dead(HttpExchange exchange, String rest) throws Exception {
        authorize(exchange);
        int slash = rest.indexOf('/');
        if (slash < 0) {
            throw new WebServer.WebFailure(404, "no such action");
        }
        String queueName = URLDecoder.decode(rest.substring(0, slash), StandardCharsets.UTF_8);
        QueueKeys queue;
        try {
            queue = new QueueKeys(queueName);
        } catch (IllegalArgumentException e) {
            throw new WebServer.WebFailure(400, "not a queue name");
        }
        String action = rest.substring(slash + 1);
        String query = exchange.getRequestURI().getQuery() == null ? "" : exchange.getRequestURI().getQuery();
        DeadLetters dead = new DeadLetters(c.redis(), queue, c.codec().mapper(), new DeadLetterStore(c.database()));
        String done;
        if (action.equals("purge")) {
            done = "purged " + dead.purge() + " dead job(s) of queue:" + queue.name();
        } else if (action.equals("retry") && query.equals("all=true")) {
            done = "re-queued " + dead.retryAll() + " job(s) on queue:" + queue.name();
        } else if (action.equals("retry") && query.matches("id=[0-9a-f-]{12,36}")) {
            String id = query.substring("id=".length());
            if (!dead.retry(id)) {
                throw new WebServer.WebFailure(404, "no dead job " + id + " on queue:" + queue.name());
            }
            done = "re-queued dead job " + id + " on queue:" + queue.name();
        } else {
            throw new WebServer.WebFailure(404, "no such action");
        }
        new EventLog(c.database(), "web:" + exchange.getRemoteAddress().getAddress().getHostAddress()).record(null, null, "web_action", done);
        WebServer.send(exchange, 200, "text/plain; charset=utf-8", done);
    }

    private void authorize(HttpExchange exchange) {
        if (config.token() == null) {
            throw new WebServer.WebFailure(403, "the web view is read-only: no WEB_TOKEN is configured");
        }
        String given = exchange.getRequestHeaders().getFirst("Authorization");
        byte[] expected = ("Bearer " + config.token()).getBytes(StandardCharsets.UTF_8);
        if (given == null || !MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
            throw new WebServer.WebFailure(401, "refused: this action needs the operator token (WEB_TOKEN)");
        }
    }
}
