package dev.shardpubsub.benchmarks;

import dev.shardpubsub.test.RedisNode;

/**
 * Phases 1 and 2: single-slot moves with {@code CLUSTER SETSLOT <slot> NODE} (through
 * {@code ClusterOperations#setSlotNode}), cycling the channel's slot over the masters, with a quiet period after
 * each move.
 */
final class PlannedMovePhase {

	private final BenchmarkRun run;

	PlannedMovePhase(BenchmarkRun run) {
		this.run = run;
	}

	/**
	 * Move the slot {@code count} times.
	 * @param kind the phase name recorded with each move
	 * @param count how many moves
	 * @param quietMillis the pause after each move returned
	 */
	void run(String kind, int count, int quietMillis) {
		for (int i = 0; i < count; i++) {
			RedisNode owner = this.run.owner();
			RedisNode target = this.run.nextMaster(owner);
			this.run.awaitHeldBy(owner);
			Disruption move = this.run.begin(kind, i, owner, target, System.nanoTime());
			this.run.operations.setSlotNode(this.run.slot, target);
			move.operationDoneNanos = System.nanoTime();
			BenchmarkRun.sleep(quietMillis);
		}
		this.run.awaitHeldBy(this.run.owner());
		this.run.endPhase();
	}

}
