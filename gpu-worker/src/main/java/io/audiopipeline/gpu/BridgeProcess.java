package io.audiopipeline.gpu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running bridge: a Python process speaking JSON lines. Answers are matched to requests by id; its
 * stderr goes to this worker's log. Anything on stdout that is not the protocol, an exit, or a request
 * past its timeout marks the bridge broken: the request in flight fails as retryable and the pool
 * starts a new bridge.
 */
final class BridgeProcess implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BridgeProcess.class);
    private static final int STDERR_TAIL = 5;

    private final Process process;
    private final String device;
    private final ObjectMapper json;
    private final Writer stdin;
    private final Map<String, CompletableFuture<BridgeLine.Answer>> pending = new ConcurrentHashMap<>();
    private final CompletableFuture<JsonNode> ready = new CompletableFuture<>();
    private final Deque<String> stderrTail = new ArrayDeque<>();
    private final AtomicLong nextId = new AtomicLong();
    private volatile String broken;
    private int filesServed;

    private BridgeProcess(Process process, String device, ObjectMapper json) {
        this.process = process;
        this.device = device;
        this.json = json;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    static BridgeProcess start(List<String> command, String device, Duration readyTimeout, ObjectMapper json)
            throws BridgeFailure, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command);
        BridgeEnvironment.restrict(builder.environment());
        if (!device.equals("cpu")) {
            builder.environment().put("CUDA_VISIBLE_DEVICES", device);
        }
        builder.environment().put("PYTHONUNBUFFERED", "1");
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new BridgeFailure("cannot start the bridge " + String.join(" ", command) + ": " + e.getMessage(), e);
        }
        BridgeProcess bridge = new BridgeProcess(process, device, json);
        bridge.thread("bridge-" + device + "-stderr", bridge::forwardStderr);
        bridge.thread("bridge-" + device + "-stdout", bridge::readAnswers);
        try {
            JsonNode info = bridge.ready.get(readyTimeout.toMillis(), TimeUnit.MILLISECONDS);
            log.info("bridge on device {} ready (pid {}): engine {} {}, model {}", device, process.pid(),
                    info.path("engine").asText(), info.path("engine_version").asText(), info.path("model").asText());
            return bridge;
        } catch (TimeoutException e) {
            bridge.close();
            throw new BridgeFailure("bridge on device " + device + " not ready within " + readyTimeout.toSeconds() + "s");
        } catch (ExecutionException e) {
            bridge.close();
            throw new BridgeFailure("bridge on device " + device + " failed to start: " + e.getCause().getMessage());
        }
    }

    String engineInfo(String field) {
        return ready.getNow(json.createObjectNode()).path(field).asText(null);
    }

    long pid() {
        return process.pid();
    }

    int filesServed() {
        return filesServed;
    }

    boolean healthy() {
        return broken == null && process.isAlive();
    }

    String brokenReason() {
        return broken != null ? broken : process.isAlive() ? null : "exited with " + process.exitValue();
    }

    BridgeAnswer transcribe(Path audio, String language, Duration timeout) throws BridgeFailure, InterruptedException {
        var request = json.createObjectNode().put("audio", audio.toString());
        if (language == null) {
            request.putNull("language");
        } else {
            request.put("language", language);
        }
        return send(request, timeout).answer();
    }

    /** A labeller bridge's request: does {@code content} meet {@code policy}? The answer as the bridge sent it. */
    JsonNode label(String policy, String content, Duration timeout) throws BridgeFailure, InterruptedException {
        return send(json.createObjectNode().put("policy", policy).put("content", content), timeout).node();
    }

    private BridgeLine.Answer send(ObjectNode request, Duration timeout)
            throws BridgeFailure, InterruptedException {
        if (!healthy()) {
            throw new BridgeFailure("bridge on device " + device + " is not running: " + brokenReason());
        }
        String id = Long.toString(nextId.incrementAndGet());
        CompletableFuture<BridgeLine.Answer> answer = new CompletableFuture<>();
        pending.put(id, answer);
        try {
            request.put("id", id);
            synchronized (stdin) {
                stdin.write(request.toString());
                stdin.write('\n');
                stdin.flush();
            }
            BridgeLine.Answer result = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            filesServed++;
            return result;
        } catch (IOException e) {
            markBroken("cannot write to the bridge: " + e.getMessage());
            throw new BridgeFailure("bridge on device " + device + " is gone: " + e.getMessage(), e);
        } catch (TimeoutException e) {
            markBroken("no answer within " + timeout.toSeconds() + "s");
            process.destroyForcibly();
            throw new BridgeFailure("bridge on device " + device + " gave no answer within " + timeout.toSeconds() + "s; it is restarted");
        } catch (ExecutionException e) {
            throw new BridgeFailure(e.getCause().getMessage(), e.getCause());
        } finally {
            pending.remove(id);
        }
    }

    private void readAnswers() {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                BridgeLine read = BridgeLine.parse(json, line);
                if (read instanceof BridgeLine.NotProtocol) {
                    markBroken("wrote something that is not the protocol: " + shorten(line));
                    process.destroyForcibly();
                    return;
                }
                if (read instanceof BridgeLine.Ready r) {
                    ready.complete(r.info());
                    continue;
                }
                BridgeLine.Answer answer = (BridgeLine.Answer) read;
                CompletableFuture<BridgeLine.Answer> waiting = pending.get(answer.id());
                if (waiting == null) {
                    log.warn("bridge on device {} answered an unknown request: {}", device, shorten(line));
                    continue;
                }
                waiting.complete(answer);
            }
            markBroken("exited with " + waitExit() + stderrSummary());
        } catch (IOException e) {
            markBroken("output unreadable: " + e.getMessage());
        }
    }

    private int waitExit() {
        try {
            process.waitFor(5, TimeUnit.SECONDS);
            return process.isAlive() ? -1 : process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private void forwardStderr() {
        try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = err.readLine()) != null) {
                log.info("[bridge {} pid {}] {}", device, process.pid(), line);
                synchronized (stderrTail) {
                    stderrTail.addLast(line);
                    while (stderrTail.size() > STDERR_TAIL) {
                        stderrTail.removeFirst();
                    }
                }
            }
        } catch (IOException ignored) {
            // the process is gone
        }
    }

    private String stderrSummary() {
        synchronized (stderrTail) {
            return stderrTail.isEmpty() ? "" : ": " + String.join(" | ", stderrTail);
        }
    }

    private void markBroken(String reason) {
        if (broken == null) {
            broken = reason;
        }
        BridgeFailure failure = new BridgeFailure("bridge on device " + device + " " + reason);
        ready.completeExceptionally(failure);
        pending.values().forEach(f -> f.completeExceptionally(failure));
    }

    private void thread(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
    }

    private static String shorten(String line) {
        return line.length() <= 200 ? line : line.substring(0, 200) + "...";
    }

    /** Ends the bridge: EOF on stdin (it exits by itself), then force after a short wait. */
    @Override
    public void close() {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
