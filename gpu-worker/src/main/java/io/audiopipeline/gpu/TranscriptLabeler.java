package io.audiopipeline.gpu;

import com.fasterxml.jackson.databind.JsonNode;
import io.audiopipeline.common.db.LabelRepository;
import io.audiopipeline.common.label.Policy;
import io.audiopipeline.common.label.PolicyDirectory;
import java.io.IOException;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Labels a stored transcript against content policies through the labeller bridge. Each (recording,
 * policy version, model) is labelled once: a label already stored is not asked for again. A crash,
 * timeout or out-of-memory answer is tried again (the bridge is started again in between), up to
 * LABELER_ATTEMPTS; a transcript that still cannot be labelled keeps its transcript, and the failure is
 * stored with its reason. Labelling never fails the recording.
 */
final class TranscriptLabeler {
    private static final Logger log = LoggerFactory.getLogger(TranscriptLabeler.class);

    /** No labeller configured: nothing is labelled. */
    static final TranscriptLabeler NONE = new TranscriptLabeler(null, null, null, null, 0);

    private final PolicyDirectory policies;
    private final LabelerBridge bridge;
    private final LabelRepository labels;
    private final GpuMetrics metrics;
    private final int attempts;
    private final Set<String> recorded = ConcurrentHashMap.newKeySet();

    TranscriptLabeler(PolicyDirectory policies, LabelerBridge bridge, LabelRepository labels, GpuMetrics metrics, int attempts) {
        this.policies = policies;
        this.bridge = bridge;
        this.labels = labels;
        this.metrics = metrics;
        this.attempts = attempts;
    }

    /** Labels the transcript against every policy in POLICIES_DIR as it is now. */
    void labelAll(UUID audioId, String text) throws SQLException, InterruptedException {
        if (bridge == null) {
            return;
        }
        List<Policy> current;
        try {
            current = policies.current();
        } catch (IOException e) {
            // the transcript stands; the labels can be made later with `pipeline relabel`
            log.error("cannot read the policies in {}: {}; transcript not labelled", policies.dir(), e.getMessage());
            return;
        }
        for (Policy policy : current) {
            label(audioId, text, policy);
        }
    }

    /** Labels the transcript against one policy version, unless it already has that label. */
    void label(UUID audioId, String text, Policy policy) throws SQLException, InterruptedException {
        if (recorded.add(policy.sha256())) {
            labels.recordPolicy(policy);
        }
        String model;
        try {
            model = bridge.model();
        } catch (BridgeFailure e) {
            log.error("labeller bridge cannot start: {}; transcript not labelled under policy {}", e.getMessage(), policy.name());
            return;
        }
        if (labels.isLabelled(audioId, policy.sha256(), model)) {
            return;
        }
        String failure = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            long started = System.nanoTime();
            try {
                JsonNode answer = bridge.label(policy.text(), text);
                double seconds = (System.nanoTime() - started) / 1e9;
                if (answer.path("ok").asBoolean(false)) {
                    store(audioId, policy, model, answer, seconds);
                    return;
                }
                failure = answer.path("error").asText("the labeller gave no reason");
                if (!answer.path("retryable").asBoolean(false)) {
                    break;
                }
            } catch (BridgeFailure e) {
                failure = e.getMessage();
            }
            log.warn("labelling under policy {} failed (attempt {} of {}): {}", policy.name(), attempt, attempts, failure);
        }
        labels.saveFailure(audioId, policy.sha256(), model, failure);
        metrics.label(policy.name(), "failed", 0);
        log.error("transcript not labelled under policy {} (version {}): {}; the transcript stands", policy.name(), policy.shortVersion(),
                failure);
    }

    private void store(UUID audioId, Policy policy, String model, JsonNode answer, double seconds) throws SQLException {
        int label = answer.path("label").asInt();
        if (label != 0 && label != 1) {
            throw new IllegalStateException("the labeller answered label " + answer.path("label") + ", not 0 or 1");
        }
        labels.saveLabel(audioId, policy.sha256(), model, label, answer.path("score").asDouble(label),
                answer.path("evidence").isArray() ? answer.path("evidence").toString() : "[]", answer.path("chunks").asInt(1), seconds);
        metrics.label(policy.name(), Integer.toString(label), seconds);
        log.info("labelled under policy {} (version {}): {} (score {}, {} chunk(s), {}s)", policy.name(), policy.shortVersion(), label,
                answer.path("score").asText(), answer.path("chunks").asInt(1), String.format("%.2f", seconds));
    }
}
