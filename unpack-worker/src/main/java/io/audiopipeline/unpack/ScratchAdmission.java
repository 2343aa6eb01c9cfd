package io.audiopipeline.unpack;

import io.audiopipeline.common.queue.QueueKeys;
import io.audiopipeline.common.storage.ProgressLog;
import io.audiopipeline.common.worker.Admission;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Optional;
import redis.clients.jedis.UnifiedJedis;

/** Back-pressure: no new archive while the scratch volume is low or this node's transcribe backlog is long. */
final class ScratchAdmission implements Admission {
    private final UnpackConfig config;
    private final UnifiedJedis redis;
    private final QueueKeys transcribeQueue;
    private final UnpackMetrics metrics;

    ScratchAdmission(UnpackConfig config, UnifiedJedis redis, QueueKeys transcribeQueue, UnpackMetrics metrics) {
        this.config = config;
        this.redis = redis;
        this.transcribeQueue = transcribeQueue;
        this.metrics = metrics;
    }

    @Override
    public Optional<String> waitReason() {
        try {
            Files.createDirectories(config.scratchRoot());
            long free = Files.getFileStore(config.scratchRoot()).getUsableSpace();
            metrics.scratchFree(free);
            if (free < config.scratchMinFreeBytes()) {
                return Optional.of("scratch volume " + config.scratchRoot() + " is below SCRATCH_MIN_FREE_BYTES ("
                        + ProgressLog.human(free) + " free)");
            }
        } catch (IOException e) {
            return Optional.of("scratch volume " + config.scratchRoot() + " is not usable (" + e.getMessage() + ")");
        }
        long backlog = redis.llen(transcribeQueue.main());
        if (backlog > config.maxBacklog()) {
            return Optional.of("transcribe backlog " + transcribeQueue.main() + " is above UNPACK_MAX_BACKLOG (" + backlog + " jobs)");
        }
        return Optional.empty();
    }
}
