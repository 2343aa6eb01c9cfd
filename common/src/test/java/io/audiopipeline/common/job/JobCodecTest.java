package io.audiopipeline.common.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class JobCodecTest {
    private final JobCodec codec = new JobCodec();

    @Test
    void acceptsTheBareObjectAnOperatorPushes() throws Exception {
        UnpackJob job = codec.decode("""
                {"batch_id":"20250622-143052-a1b2c3","s3_key":"archives/20250622-143052-a1b2c3.tar.gz",
                 "original_filename":"calls.tar.gz","transferred_at":"2025-06-22T14:30:52Z","extra":{"ignored":true}}""", UnpackJob.class);
        assertThat(job.batchId()).isEqualTo("20250622-143052-a1b2c3");
        assertThat(job.transferredAt()).isEqualTo(Instant.parse("2025-06-22T14:30:52Z"));
        assertThat(job.sha256()).isNull();
    }

    @Test
    void encodesOnlyTheContractFields() throws Exception {
        UnpackJob job = new UnpackJob("20250622-143052-a1b2c3", "archives/x.tar", "x.tar", Instant.parse("2025-06-22T14:30:52Z"), 10L, null);
        assertThat(codec.encode(job)).isEqualTo("{\"batch_id\":\"20250622-143052-a1b2c3\",\"s3_key\":\"archives/x.tar\","
                + "\"original_filename\":\"x.tar\",\"transferred_at\":\"2025-06-22T14:30:52Z\",\"size_bytes\":10}");
        assertThat(codec.decode(codec.encode(job), UnpackJob.class)).isEqualTo(job);
    }

    @Test
    void rejectsMissingNullAndIllTypedFieldsNamingThem() {
        assertThatThrownBy(() -> codec.decode("{\"batch_id\":\"20250622-143052-a1b2c3\",\"opus_path\":\"/x\"}", TranscriptionJob.class))
                .isInstanceOf(MalformedJobException.class).hasMessage("missing required field 'original_filename'");
        assertThatThrownBy(() -> codec.decode("{\"batch_id\":null,\"opus_path\":\"/x\",\"original_filename\":\"a\"}", TranscriptionJob.class))
                .hasMessage("required field 'batch_id' is null");
        assertThatThrownBy(() -> codec.decode("{\"batch_id\":123,\"opus_path\":\"/x\",\"original_filename\":\"a\"}", TranscriptionJob.class))
                .hasMessageContaining("'batch_id'");
        assertThatThrownBy(() -> codec.decode("{\"batch_id\":\"20250622-143052-a1b2c3\",\"opus_path\":[1],\"original_filename\":\"a\"}",
                TranscriptionJob.class)).hasMessageStartingWith("field 'opus_path' has the wrong type");
        assertThatThrownBy(() -> codec.decode("{\"batch_id\":\"20250622-143052-a1b2c3\",\"s3_key\":\"k\",\"original_filename\":\"a\","
                + "\"transferred_at\":\"yesterday\"}", UnpackJob.class)).hasMessageContaining("'transferred_at'");
    }

    @Test
    void rejectsBadJsonAndOutOfContractValues() {
        assertThatThrownBy(() -> codec.decode("{not json", UnpackJob.class)).hasMessageStartingWith("not valid JSON");
        assertThatThrownBy(() -> codec.decode("[]", UnpackJob.class)).isInstanceOf(MalformedJobException.class);
        assertThatThrownBy(() -> codec.decode("null", UnpackJob.class)).isInstanceOf(MalformedJobException.class);
        assertThatThrownBy(() -> codec.decode("{\"batch_id\":\"../../etc\",\"opus_path\":\"/x\",\"original_filename\":\"a\"}", TranscriptionJob.class))
                .hasMessageStartingWith("batch_id must look like YYYYMMDD-HHMMSS-xxxxxx");
        assertThatThrownBy(() -> codec.decode("{\"batch_id\":\"20250622-143052-a1b2c3\",\"opus_path\":\"/x\",\"original_filename\":\""
                + "a".repeat(9000) + "\"}", TranscriptionJob.class)).hasMessage("original_filename is 9000 characters, more than the 8192 allowed");
        String longest = "\u0001".repeat(TranscriptionJob.MAX_ORIGINAL_FILENAME_CHARS);
        assertThat(codec.encode(new TranscriptionJob("20250622-143052-a1b2c3", "/" + "p".repeat(4095), longest, null, null)))
                .as("the longest name, every character escaped, still fits a payload").hasSizeLessThan(JobCodec.MAX_PAYLOAD_CHARS);
        assertThatThrownBy(() -> codec.decode("{\"batch_id\":\"20250622-143052-a1b2c3\",\"opus_path\":\"/x\",\"original_filename\":\"a\","
                + "\"sha256\":\"XYZ\"}", TranscriptionJob.class)).hasMessageStartingWith("sha256 must be 64 lowercase hex digits");
        assertThatThrownBy(() -> codec.decode("{\"x\":\"" + "a".repeat(70_000) + "\"}", UnpackJob.class)).hasMessageContaining("more than the");
    }

    @Test
    void batchIdsFollowTheContractFormat() {
        String id = BatchId.next(java.time.Clock.fixed(Instant.parse("2025-06-22T14:30:52Z"), java.time.ZoneOffset.UTC));
        assertThat(id).matches("20250622-143052-[0-9a-f]{6}");
        assertThat(BatchId.isValid(id)).isTrue();
        assertThat(BatchId.isValid("20250622-143052-A1B2C3")).isFalse();
    }
}
