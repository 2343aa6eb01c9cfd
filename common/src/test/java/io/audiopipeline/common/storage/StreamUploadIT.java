package io.audiopipeline.common.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.audiopipeline.common.config.Env;
import io.audiopipeline.common.config.S3Config;
import io.audiopipeline.sandbox.EmbeddedS3;
import io.audiopipeline.sandbox.RandomFiles;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A stream read once and sent in parts: each part carries the checksum S3_PART_CHECKSUM names (seen on
 * the wire), and a part altered on its way is refused by the store (S3Proxy checks both kinds); the
 * upload then fails and nothing is stored. Over plain HTTP the SDK also signs each part's SHA-256, which
 * the store checks as well; over HTTPS the part's checksum is the store's only check of its bytes.
 */
class StreamUploadIT {
    private static final long PART = 5L << 20;
    private static EmbeddedS3 s3;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        s3 = EmbeddedS3.temporary();
        try (ObjectStore store = new ObjectStore(config(s3.endpoint().toString(), S3Config.PartChecksum.MD5))) {
            store.createBucketIfMissing();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        s3.close();
    }

    @ParameterizedTest
    @EnumSource(S3Config.PartChecksum.class)
    void aStreamOfSeveralPartsIsStoredWhole(S3Config.PartChecksum checksum) throws Exception {
        Path source = RandomFiles.write(dir.resolve("a.bin"), 3 * PART + 12_345, 11);
        String key = "archives/whole-" + checksum + ".bin";
        try (WireTap wire = new WireTap(s3.endpoint(), -1);
             ObjectStore store = new ObjectStore(config(wire.endpoint().toString(), checksum));
             InputStream in = Files.newInputStream(source)) {
            StoredObject sent = store.uploadStream(in, key, Files.size(source), TransferProgress.NONE);
            assertThat(sent.sha256()).isEqualTo(Checksums.sha256(source));
            // four parts, each with its checksum in a header, which the store checks before it keeps the part
            String header = checksum == S3Config.PartChecksum.MD5 ? "content-md5:" : "x-amz-checksum-crc32c:";
            assertThat(wire.occurrences(header)).as("parts sent with %s", header).isEqualTo(4);
            Path back = dir.resolve("back.bin");
            assertThat(store.download(key, back, Files.size(source), sent.sha256(), TransferProgress.NONE).sizeBytes())
                    .isEqualTo(Files.size(source));
        }
    }

    @Test
    void aStreamOfWholePartsEndsWithItsLastPartAndSendsNoEmptyOne() throws Exception {
        Path source = RandomFiles.write(dir.resolve("c.bin"), 2 * PART, 13);
        String key = "archives/whole-parts.bin";
        try (WireTap wire = new WireTap(s3.endpoint(), -1);
             ObjectStore store = new ObjectStore(config(wire.endpoint().toString(), S3Config.PartChecksum.CRC32C));
             InputStream in = Files.newInputStream(source)) {
            StoredObject sent = store.uploadStream(in, key, Files.size(source), TransferProgress.NONE);
            assertThat(sent.sizeBytes()).isEqualTo(2 * PART);
            assertThat(wire.occurrences("x-amz-checksum-crc32c:")).as("parts sent").isEqualTo(2);
            assertThat(store.download(key, dir.resolve("back-c.bin"), 2 * PART, Checksums.sha256(source), TransferProgress.NONE)
                    .sha256()).isEqualTo(sent.sha256());
        }
    }

    @ParameterizedTest
    @EnumSource(S3Config.PartChecksum.class)
    void aPartAlteredOnTheWayIsRefusedByTheStoreAndNothingIsStored(S3Config.PartChecksum checksum) throws Exception {
        Path source = RandomFiles.write(dir.resolve("b.bin"), 3 * PART + 12_345, 12);
        String key = "archives/altered-" + checksum + ".bin";
        try (WireTap proxy = new WireTap(s3.endpoint(), 3L << 20);
             ObjectStore store = new ObjectStore(config(proxy.endpoint().toString(), checksum));
             InputStream in = Files.newInputStream(source)) {
            assertThatThrownBy(() -> store.uploadStream(in, key, Files.size(source), TransferProgress.NONE))
                    .hasMessageContaining("multipart upload of " + key + " failed");
            assertThat(proxy.corrupted()).as("the proxy altered a byte of a part").isTrue();
            assertThat(store.head(key)).as("nothing stored under %s", key).isEmpty();
        }
    }

    private static S3Config config(String endpoint, S3Config.PartChecksum checksum) {
        Map<String, String> env = new HashMap<>(s3.env("stream-it"));
        env.put("S3_ENDPOINT", endpoint);
        env.put("S3_MULTIPART_PART_SIZE", String.valueOf(PART));
        env.put("S3_PART_CHECKSUM", checksum.name().toLowerCase(java.util.Locale.ROOT));
        return S3Config.from(new Env(env));
    }
}
