package dev.shardpubsub.benchmarks;

import java.time.Duration;

import dev.shardpubsub.test.RedisNode;

/**
 * Phase 3: {@code CLUSTER FAILOVER} of the channel's master (through {@code ClusterOperations#failover}), the
 * promotion timed by a {@link PromotionProbe}, with a quiet period after each.
 */
final class FailoverPhase {

	private final BenchmarkRun run;

	FailoverPhase(BenchmarkRun run) {
		this.run = run;
	}

	void run(int count, int quietMillis) {
		for (int i = 0; i < count; i++) {
			RedisNode master = this.run.owner();
			RedisNode replica = this.run.replicaOf(master);
			this.run.awaitHeldBy(master);
			try (PromotionProbe probe = this.run.probe(replica)) {
				Disruption failover = this.run.begin("failover", i, master, replica, System.nanoTime());
				this.run.operations.failover(master);
				failover.operationDoneNanos = System.nanoTime();
				failover.promotedNanos = probe.awaitPromotion(Duration.ofSeconds(5));
				failover.lastReplicaNanos = probe.lastReplicaAnswerNanos();
			}
			BenchmarkRun.sleep(quietMillis);
		}
		this.run.awaitHeldBy(this.run.owner());
		this.run.endPhase();
	}

}
