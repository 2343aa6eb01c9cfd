package io.audiopipeline.gpu;

import io.audiopipeline.common.config.ConfigException;
import io.audiopipeline.common.config.Env;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** The GPU worker's own settings: the engine, its bridges, and per-file limits. */
public record GpuConfig(Engine engine, List<String> devices, Path scratchRoot, Path modelsRoot, Path bridgeDir, String python,
                        String model, String computeType, int batchSize, boolean align, boolean diarize,
                        Integer minSpeakers, Integer maxSpeakers, String language,
                        Duration transcribeTimeout, double timeoutPerAudioSecond, Duration readyTimeout, int maxFilesPerBridge) {

    public enum Engine { WHISPERX, POCKETSPHINX }

    public static GpuConfig from(Env env) {
        Engine engine = env.choice("TRANSCRIBER", Engine.WHISPERX, Engine.class);
        String devices = env.string("GPU_DEVICES", engine == Engine.WHISPERX ? "0" : "cpu");
        List<String> deviceList = Arrays.stream(devices.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (deviceList.isEmpty()) {
            throw new ConfigException("GPU_DEVICES", "must list at least one device, e.g. 0 or 0,1");
        }
        Path home = env.path("PIPELINE_HOME", Path.of("."));
        Path bridgeDir = env.path("BRIDGE_DIR", home.resolve("gpu-worker").resolve("bridge"));
        if (!Files.isRegularFile(bridgeDir.resolve("bridge_protocol.py"))) {
            throw new ConfigException("BRIDGE_DIR", bridgeDir + " does not hold the bridge scripts (bridge_protocol.py)");
        }
        String timeoutFactor = env.string("TRANSCRIBE_TIMEOUT_PER_AUDIO_SECOND", "3");
        double factor;
        try {
            factor = Double.parseDouble(timeoutFactor);
        } catch (NumberFormatException e) {
            throw new ConfigException("TRANSCRIBE_TIMEOUT_PER_AUDIO_SECOND", "must be a number, got '" + timeoutFactor + "'");
        }
        int minSpeakers = env.integer("DIARIZE_MIN_SPEAKERS", 0, 0, 100);
        int maxSpeakers = env.integer("DIARIZE_MAX_SPEAKERS", 0, 0, 100);
        return new GpuConfig(engine, deviceList,
                env.path("SCRATCH_ROOT", Path.of("/data/scratch")),
                env.path("MODELS_ROOT", Path.of("/data/models")),
                bridgeDir,
                // Debian's python3-pocketsphinx is a module of the system's interpreter, whatever python3 is first on PATH
                env.string("BRIDGE_PYTHON", engine == Engine.POCKETSPHINX ? "/usr/bin/python3" : "python3"),
                env.string("WHISPER_MODEL", "large-v3"),
                env.string("WHISPER_COMPUTE_TYPE", "float16"),
                env.integer("WHISPER_BATCH_SIZE", 16, 1, 1024),
                env.bool("WHISPER_ALIGN", true),
                env.bool("WHISPER_DIARIZE", false),
                minSpeakers == 0 ? null : minSpeakers,
                maxSpeakers == 0 ? null : maxSpeakers,
                env.string("TRANSCRIBE_LANGUAGE", null),
                env.duration("TRANSCRIBE_TIMEOUT", Duration.ofMinutes(5), Duration.ofSeconds(1)),
                factor,
                env.duration("BRIDGE_READY_TIMEOUT", Duration.ofMinutes(10), Duration.ofSeconds(1)),
                env.integer("BRIDGE_MAX_FILES", 500, 1, Integer.MAX_VALUE));
    }

    /** The bridge's command line for one device. */
    public List<String> bridgeCommand(String device) {
        if (engine == Engine.POCKETSPHINX) {
            return List.of(python, bridgeDir.resolve("pocketsphinx_bridge.py").toString());
        }
        List<String> command = new java.util.ArrayList<>(List.of(python, bridgeDir.resolve("whisperx_bridge.py").toString(),
                "--model", model, "--device", device.equals("cpu") ? "cpu" : "cuda", "--compute-type", computeType,
                "--batch-size", Integer.toString(batchSize), "--models-root", modelsRoot.toString()));
        if (align) {
            command.add("--align");
        }
        if (diarize) {
            command.add("--diarize");
            if (minSpeakers != null) {
                command.addAll(List.of("--min-speakers", minSpeakers.toString()));
            }
            if (maxSpeakers != null) {
                command.addAll(List.of("--max-speakers", maxSpeakers.toString()));
            }
        }
        return command;
    }

    /** The per-file timeout: TRANSCRIBE_TIMEOUT, or longer for long audio. */
    public Duration timeoutFor(Double audioSeconds) {
        if (audioSeconds == null) {
            return transcribeTimeout;
        }
        Duration scaled = Duration.ofMillis((long) (audioSeconds * timeoutPerAudioSecond * 1000));
        return scaled.compareTo(transcribeTimeout) > 0 ? scaled : transcribeTimeout;
    }
}
