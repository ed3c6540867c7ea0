package dev.shardpubsub.benchmarks;

import java.time.Duration;

import dev.shardpubsub.test.RedisNode;

/**
 * Phase 4: kill -9 of the channel's master (through {@code ClusterOperations#kill}); its replica's promotion
 * timed by a {@link PromotionProbe}; then the killed node is restarted (it rejoins as a replica) and the cluster
 * agrees again before the next run. The restart has a window of its own.
 */
final class KillPhase {

	private final BenchmarkRun run;

	KillPhase(BenchmarkRun run) {
		this.run = run;
	}

	void run(int count, int quietMillis) {
		for (int i = 0; i < count; i++) {
			RedisNode master = this.run.owner();
			RedisNode replica = this.run.replicaOf(master);
			this.run.awaitHeldBy(master);
			try (PromotionProbe probe = this.run.probe(replica)) {
				BenchmarkRun.sleep(20);
				// The window opens before the kill: a message the master acknowledged and never delivered belongs
				// to it. "After the kill" is measured from the moment the process is gone.
				Disruption kill = this.run.begin("kill", i, master, replica, System.nanoTime());
				this.run.operations.kill(master);
				kill.measureFromNanos = System.nanoTime();
				this.run.operations.awaitFailoverOf(master);
				kill.operationDoneNanos = System.nanoTime();
				kill.promotedNanos = probe.awaitPromotion(Duration.ofSeconds(30));
				kill.lastReplicaNanos = probe.lastReplicaAnswerNanos();
			}
			BenchmarkRun.sleep(quietMillis);
			this.run.awaitHeldBy(this.run.owner());
			Disruption restart = this.run.begin("restart", i, master, null, System.nanoTime());
			this.run.operations.restart(master);
			restart.operationDoneNanos = System.nanoTime();
			BenchmarkRun.sleep(quietMillis);
		}
		this.run.awaitHeldBy(this.run.owner());
		this.run.endPhase();
	}

}
