package dev.shardpubsub.test;

import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A master's claim on a slot it was just given, as it sees it itself ({@code CLUSTER NODES}, its {@code myself}
 * line).
 */
final class SlotClaims {

	private static final Logger logger = LoggerFactory.getLogger(ClusterOperations.class);

	private SlotClaims() {
	}

	/**
	 * After many failovers the epochs churn, and a stale claim with a higher epoch can take the slot back from the
	 * target in its own view while every other node already names it (seen once in a chaos run: the cluster then
	 * never agrees). Watch the target's own view briefly and re-claim with a fresh epoch if it lost the slot.
	 */
	static void keep(int slot, ClusterNode target) {
		int stable = 0;
		for (int check = 0; check < 40 && stable < 4; check++) {
			if (claims(target, slot)) {
				stable++;
			}
			else {
				stable = 0;
				logger.info("{} lost slot {} again in its own view; claiming it with a new epoch", target, slot);
				target.commands().clusterBumpepoch();
				target.commands().clusterSetSlotNode(slot, target.nodeId());
			}
			Waits.sleep(Duration.ofMillis(25));
		}
	}

	private static boolean claims(ClusterNode node, int slot) {
		return ClusterView.parse(node.commands().clusterNodes()).myselfClaims(slot);
	}

}
