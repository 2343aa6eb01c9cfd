package io.audiopipeline.common.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.audiopipeline.sandbox.RandomFiles;
import io.audiopipeline.common.testing.TestServers;
import io.audiopipeline.sandbox.EmbeddedS3;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ObjectStoreIT {
    private static EmbeddedS3 s3;
    private static ObjectStore store;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        s3 = EmbeddedS3.temporary();
        store = new ObjectStore(TestServers.s3Config(s3, "store-it"));
        store.createBucketIfMissing();
    }

    @AfterAll
    static void stop() throws Exception {
        store.close();
        s3.close();
    }


    @Test
    void aFileAboveTheThresholdGoesMultipartAndVerifies() throws Exception {
        Path big = RandomFiles.write(dir.resolve("big.bin"), 110L * 1024 * 1024 + 12345, 1);
        String sha = Checksums.sha256(big);
        List<Long> progress = new ArrayList<>();
        StoredObject stored = store.upload(big, "archives/big.bin", (done, total) -> progress.add(done));
        assertThat(stored.sizeBytes()).isEqualTo(Files.size(big));
        assertThat(stored.sha256()).isEqualTo(sha);
        assertThat(progress).as("progress reported during the upload").hasSizeGreaterThan(2).isSorted().last().isEqualTo(Files.size(big));

        Path back = dir.resolve("back.bin");
        StoredObject downloaded = store.download("archives/big.bin", back, Files.size(big), sha, TransferProgress.NONE);
        assertThat(downloaded.sha256()).isEqualTo(sha);
        assertThat(Checksums.sha256(back)).isEqualTo(sha);
        assertThat(dir.resolve("back.bin.part")).doesNotExist();
    }

    @Test
    void aDownloadWhoseBytesWereAlteredOnTheServerIsDetected() throws Exception {
        Path small = RandomFiles.write(dir.resolve("small.bin"), 300_000, 2);
        store.upload(small, "processed/small.bin", TransferProgress.NONE);
        // corrupt one byte of the stored object behind the server's back (same size)
        try (RandomAccessFile raf = new RandomAccessFile(s3.blobPath("store-it", "processed/small.bin").toFile(), "rw")) {
            raf.seek(1000);
            int b = raf.read();
            raf.seek(1000);
            raf.write(b ^ 0xFF);
        }
        Path target = dir.resolve("small.copy");
        assertThatThrownBy(() -> store.download("processed/small.bin", target, null, null, TransferProgress.NONE))
                .isInstanceOf(IntegrityException.class).hasMessageContaining("is corrupt");
        assertThat(target).doesNotExist();
        assertThat(dir.resolve("small.copy.part")).doesNotExist();
    }

    @Test
    void aWrongExpectedSizeOrMissingObjectIsReported() throws Exception {
        Path small = RandomFiles.write(dir.resolve("s.bin"), 1000, 3);
        store.upload(small, "x/s.bin", TransferProgress.NONE);
        assertThatThrownBy(() -> store.download("x/s.bin", dir.resolve("t"), 999L, null, TransferProgress.NONE))
                .isInstanceOf(IntegrityException.class);
        assertThatThrownBy(() -> store.download("x/none.bin", dir.resolve("u"), null, null, TransferProgress.NONE))
                .isInstanceOf(MissingObjectException.class).hasMessageContaining("x/none.bin does not exist");
        assertThat(dir.resolve("u.part")).doesNotExist();
    }

    @Test
    void reUploadingTheSameBytesIsANoOpAndHeadListDeleteWork() throws Exception {
        Path small = RandomFiles.write(dir.resolve("r.bin"), 5000, 4);
        StoredObject first = store.upload(small, "list/r.bin", TransferProgress.NONE);
        StoredObject second = store.upload(small, "list/r.bin", TransferProgress.NONE);
        assertThat(second).isEqualTo(first);
        assertThat(store.exists("list/r.bin")).isTrue();
        assertThat(store.list("list/")).extracting(StoredObject::key).containsExactly("list/r.bin");
        store.delete("list/r.bin");
        assertThat(store.head("list/r.bin")).isEmpty();
    }
}
