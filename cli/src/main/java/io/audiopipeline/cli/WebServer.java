package io.audiopipeline.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web view's HTTP server (the JDK's): pages rendered on the server with every name escaped, a small
 * script for what moves (the overview's refresh, the player), the assets from the jar, no build chain.
 */
final class WebServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebServer.class);

    private final HttpServer server;
    private final ExecutorService executor;

    private WebServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    static WebServer start(WebConfig config, Connections c) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(config.bind(), config.port()), 64);
        ExecutorService executor = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "web");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        WebPages pages = new WebPages(c, config);
        WebActions actions = new WebActions(c, config);
        server.createContext("/", exchange -> handle(exchange, () -> route(exchange, pages, actions, c, config)));
        server.start();
        return new WebServer(server, executor);
    }

    int port() {
        return server.getAddress().getPort();
    }

    private static void route(HttpExchange exchange, WebPages pages, WebActions actions, Connections c, WebConfig config) throws Exception {
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        if (method.equals("POST") && path.startsWith("/api/dead/")) {
            actions.dead(exchange, path.substring("/api/dead/".length()));
        } else if (!method.equals("GET") && !method.equals("HEAD")) {
            send(exchange, 405, "text/plain; charset=utf-8", "method not allowed");
        } else if (path.equals("/")) {
            send(exchange, 200, WebPages.HTML, pages.overview());
        } else if (path.equals("/api/overview")) {
            send(exchange, 200, "application/json", c.codec().mapper().writeValueAsString(
                    StatusReport.build(c, new BatchViews(c.database()).active(config.stuckAfter(), Instant.now()))));
        } else if (path.startsWith("/batch/")) {
            pages.batch(exchange, path.substring("/batch/".length()));
        } else if (path.startsWith("/transcript/")) {
            pages.transcript(exchange, path.substring("/transcript/".length()));
        } else if (path.startsWith("/audio/")) {
            new WebAudio(c).stream(exchange, path.substring("/audio/".length()));
        } else if (path.equals("/dead")) {
            send(exchange, 200, WebPages.HTML, pages.dead());
        } else if (path.equals("/assets/app.js") || path.equals("/assets/app.css")) {
            asset(exchange, path.substring("/assets/".length()));
        } else {
            send(exchange, 404, "text/plain; charset=utf-8", "not found");
        }
    }

    private static void asset(HttpExchange exchange, String name) throws IOException {
        try (InputStream in = WebServer.class.getResourceAsStream("/web/" + name)) {
            if (in == null) {
                send(exchange, 404, "text/plain; charset=utf-8", "not found");
                return;
            }
            byte[] body = in.readAllBytes();
            exchange.getResponseHeaders().set("Cache-Control", "no-cache");
            send(exchange, 200, name.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8", body);
        }
    }

    @FunctionalInterface
    interface Handler {
        void run() throws Exception;
    }

    private static void handle(HttpExchange exchange, Handler handler) {
        try {
            exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            exchange.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'; media-src 'self'; object-src 'none'");
            handler.run();
        } catch (WebFailure e) {
            quietly(() -> send(exchange, e.status, "text/plain; charset=utf-8", e.getMessage()));
        } catch (Exception e) {
            log.warn("{} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI().getPath(), e.toString());
            quietly(() -> send(exchange, 500, "text/plain; charset=utf-8", "error: " + e.getMessage()));
        } finally {
            exchange.close();
        }
    }

    private static void quietly(Handler h) {
        try {
            h.run();
        } catch (Exception ignored) {
            // the response had begun: the client sees a cut answer
        }
    }

    static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        send(exchange, status, type, body.getBytes(StandardCharsets.UTF_8));
    }

    static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** A request that cannot be served, with its status and a one-line reason. */
    static final class WebFailure extends RuntimeException {
        final int status;

        WebFailure(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    @Override
    public void close() {
        server.stop(1);
        executor.shutdownNow();
    }
}
