package io.audiopipeline.gpu;

import java.util.Map;
import java.util.Set;

/**
 * What a bridge process may see of the worker's environment: what Python, the engine's libraries and
 * the GPU need, and nothing else. Credentials (REDIS_URL, DATABASE_PASSWORD, S3_SECRET_KEY, webhook
 * secrets) never reach the subprocess that decodes untrusted audio.
 */
final class BridgeEnvironment {
    private static final Set<String> NAMES = Set.of("PATH", "HOME", "USER", "LANG", "LANGUAGE", "TZ", "TMPDIR", "LD_LIBRARY_PATH",
            "VIRTUAL_ENV", "MODELS_ROOT", "OMP_NUM_THREADS", "XDG_CACHE_HOME", "PYTHONUNBUFFERED",
            "DIARIZATION_TOKEN");
    private static final Set<String> PREFIXES = Set.of("LC_", "PYTHON", "CUDA", "NVIDIA_", "HF_", "TRANSFORMERS_", "TORCH", "MKL_",
            "OPENBLAS_", "CUBLAS_", "NCCL_");

    private BridgeEnvironment() {
    }

    /** Removes from {@code environment} (a ProcessBuilder's) every variable a bridge does not need. */
    static void restrict(Map<String, String> environment) {
        environment.keySet().removeIf(name -> !allowed(name));
    }

    static boolean allowed(String name) {
        if (NAMES.contains(name)) {
            return true;
        }
        for (String prefix : PREFIXES) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }
}
