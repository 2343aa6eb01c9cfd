package io.audiopipeline.gpu;

import io.audiopipeline.common.job.JobCodec;
import io.audiopipeline.common.job.MalformedJobException;
import io.audiopipeline.common.job.TranscriptionJob;
import io.audiopipeline.common.queue.JobPublisher;
import io.audiopipeline.common.queue.QueueKeys;
import java.util.Optional;

/**
 * Whether a transcription job is one its batch's hand-off published: the same file name, at the same
 * path. Anything else (an invented name, a sibling's path under a new name, a job for another node's
 * batch) is refused before any row, counter or file is touched, so {@code processed + failed} can never
 * exceed {@code total}, whatever is pushed to the queue.
 */
final class Publication {
    private final JobPublisher publisher;
    private final QueueKeys queue;
    private final JobCodec codec;

    Publication(JobPublisher publisher, QueueKeys queue, JobCodec codec) {
        this.publisher = publisher;
        this.queue = queue;
        this.codec = codec;
    }

    /** Null for a job its hand-off published; otherwise why it is refused. */
    String refusal(TranscriptionJob job) {
        Optional<String> published = publisher.published(queue, job.batchId(), job.originalFilename());
        if (published.isEmpty()) {
            return "'" + shorten(job.originalFilename()) + "' is not a file the hand-off of batch " + job.batchId() + " published on "
                    + queue.main() + ": refused, nothing counted";
        }
        if (published.get().isEmpty()) {
            return null; // published before payloads were kept: the name is the batch's, the path rule still applies
        }
        try {
            TranscriptionJob original = codec.decode(published.get(), TranscriptionJob.class);
            if (!original.opusPath().equals(job.opusPath())) {
                return "'" + shorten(job.originalFilename()) + "' of batch " + job.batchId() + " was published at " + original.opusPath()
                        + ", not at " + job.opusPath() + ": refused, nothing counted";
            }
            return null;
        } catch (MalformedJobException e) {
            return "the published job of '" + shorten(job.originalFilename()) + "' cannot be read: " + e.getMessage();
        }
    }

    private static String shorten(String name) {
        return name.length() <= 200 ? name : name.substring(0, 200) + "...";
    }
}
