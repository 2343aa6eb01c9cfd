package io.audiopipeline.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BridgeEnvironmentTest {
    @Test
    void aBridgeSeesWhatPythonAndTheGpuNeedAndNoCredential() {
        Map<String, String> env = new HashMap<>(Map.of(
                "PATH", "/usr/bin", "LANG", "C.UTF-8", "LC_ALL", "C.UTF-8", "CUDA_VISIBLE_DEVICES", "0", "HF_HOME", "/data/models/hf",
                "PYTHONPATH", "/opt/bridge", "MODELS_ROOT", "/data/models"));
        env.putAll(Map.of("REDIS_URL", "redis://:pw@redis:6379", "DATABASE_URL", "jdbc:postgresql://db/x?password=pw",
                "DATABASE_PASSWORD", "pw", "S3_SECRET_KEY", "sk", "S3_ACCESS_KEY", "ak", "WEBHOOK_SECRET", "ws",
                "TRANSFER_SSH_KEY_PASSPHRASE", "pp", "AWS_SECRET_ACCESS_KEY", "sk"));
        BridgeEnvironment.restrict(env);
        assertThat(env).containsOnlyKeys("PATH", "LANG", "LC_ALL", "CUDA_VISIBLE_DEVICES", "HF_HOME", "PYTHONPATH", "MODELS_ROOT");
    }
}
