package io.audiopipeline.gpu;

import io.audiopipeline.common.config.ConfigException;
import io.audiopipeline.common.config.Env;
import io.audiopipeline.common.label.PolicyDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The labeller's settings: which engine labels transcripts against the policies in POLICIES_DIR
 * (LABELER: none, lexicon, cope-a), where its bridge runs, and how long and how often it may try.
 */
public record LabelerConfig(Engine engine, PolicyDirectory policies, String device, String python, Path bridgeDir, Path modelsRoot,
                            String baseModel, String adapter, int maxTokens, Duration timeout, int attempts, Duration readyTimeout) {

    public enum Engine { NONE, LEXICON, COPE_A }

    public static LabelerConfig from(Env env, GpuConfig gpu) {
        Engine engine = env.choice("LABELER", Engine.NONE, Engine.class);
        Path dir = env.path("POLICIES_DIR", null);
        if (engine != Engine.NONE && dir != null && !Files.isDirectory(dir)) {
            throw new ConfigException("POLICIES_DIR", dir + " is not a directory");
        }
        String device = env.string("LABELER_DEVICE", engine == Engine.COPE_A ? gpu.devices().get(0) : "cpu");
        return new LabelerConfig(engine, new PolicyDirectory(dir), device,
                env.string("LABELER_PYTHON", engine == Engine.LEXICON ? "/usr/bin/python3" : gpu.python()),
                gpu.bridgeDir(), gpu.modelsRoot(),
                env.string("COPE_BASE_MODEL", "google/gemma-2-9b"),
                env.string("COPE_ADAPTER", "zentropi-ai/cope-a-9b"),
                env.integer("LABELER_MAX_TOKENS", 8192, 512, 1 << 20),
                env.duration("LABELER_TIMEOUT", Duration.ofMinutes(2), Duration.ofSeconds(1)),
                env.integer("LABELER_ATTEMPTS", 3, 1, 20),
                gpu.readyTimeout());
    }

    public boolean enabled() {
        return engine != Engine.NONE;
    }

    /** The labeller bridge's command line. */
    public List<String> bridgeCommand() {
        if (engine == Engine.LEXICON) {
            return List.of(python, bridgeDir.resolve("lexicon_bridge.py").toString());
        }
        return List.of(python, bridgeDir.resolve("cope_a_bridge.py").toString(), "--models-root", modelsRoot.toString(),
                "--base-model", baseModel, "--adapter", adapter, "--device", device.equals("cpu") ? "cpu" : "cuda",
                "--max-tokens", Integer.toString(maxTokens));
    }
}
