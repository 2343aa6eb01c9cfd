package io.audiopipeline.bench;

import io.audiopipeline.common.batch.ArchiveRetention;
import io.audiopipeline.common.batch.BatchLedger;
import io.audiopipeline.common.db.EventLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A batch's hand-off as the unpack worker records it (its files' rows, pending at their paths, and the total), for runs that start at the GPU worker. */
final class BenchHandOff {
    private BenchHandOff() {
    }

    static void record(BenchEnv e, String batchId, String node, List<String> names, List<Path> files) throws Exception {
        List<BatchLedger.FileEntry> entries = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            entries.add(new BatchLedger.FileEntry(names.get(i), files.get(i).toString(), null, null, null));
        }
        BatchLedger.wire(e.db, e.redis, new EventLog(e.db, "bench"), null, null, ArchiveRetention.KEEP, Duration.ofDays(1))
                .handOff(batchId, "archives/x.tar", node, entries);
    }
}
