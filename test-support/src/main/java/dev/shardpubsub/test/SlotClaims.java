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
	static void keep(int slot, RedisNode target) {
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

	private static boolean claims(RedisNode node, int slot) {
		for (String line : node.commands().clusterNodes().split("\n")) {
			String[] fields = line.trim().split(" ");
			if (fields.length < 3 || !fields[2].contains("myself")) {
				continue;
			}
			for (int i = 8; i < fields.length; i++) {
				String range = fields[i];
				if (range.isEmpty() || range.startsWith("[")) {
					continue;
				}
				int dash = range.indexOf('-');
				int low = Integer.parseInt((dash < 0) ? range : range.substring(0, dash));
				int high = (dash < 0) ? low : Integer.parseInt(range.substring(dash + 1));
				if (slot >= low && slot <= high) {
					return true;
				}
			}
		}
		return false;
	}

}
