package io.audiopipeline.common.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/** {@code /healthz} (the process works), {@code /readyz} (Redis, database, S3 reachable), {@code /metrics}. */
public final class HealthServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;

    public HealthServer(int port, PrometheusRegistry registry, BooleanSupplier alive, List<ReadinessCheck> checks) throws IOException {
        this("0.0.0.0", port, registry, alive, checks);
    }

    /** Listens on {@code bind} (HTTP_BIND) and {@code port} (HTTP_PORT; 0 picks a free one). */
    public HealthServer(String bind, int port, PrometheusRegistry registry, BooleanSupplier alive, List<ReadinessCheck> checks) throws IOException {
        server = HttpServer.create(new InetSocketAddress(bind, port), 16);
        executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "health-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/healthz", exchange -> respond(exchange, alive.getAsBoolean() ? 200 : 503,
                alive.getAsBoolean() ? "ok\n" : "stopping\n"));
        server.createContext("/readyz", exchange -> {
            StringBuilder body = new StringBuilder();
            boolean ready = true;
            for (ReadinessCheck check : checks) {
                try {
                    check.probe().check();
                    body.append(check.name()).append(": ok\n");
                } catch (Exception e) {
                    ready = false;
                    body.append(check.name()).append(": ").append(String.valueOf(e.getMessage()).replace('\n', ' ')).append('\n');
                }
            }
            respond(exchange, ready ? 200 : 503, body.toString());
        });
        server.createContext("/metrics", new MetricsHandler(registry));
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
