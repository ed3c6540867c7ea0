package dev.shardpubsub.test;

import java.util.List;

import io.lettuce.core.MigrateArgs;

/**
 * The steps of a slot move, as {@code redis-cli --cluster reshard} takes them: {@code SETSLOT IMPORTING} on the
 * target, {@code MIGRATING} on the source, {@code MIGRATE} the keys in batches, then {@code SETSLOT NODE} on the
 * target, the source and every other master.
 */
final class SlotMoves {

	private static final int MIGRATE_BATCH = 100;

	private static final int MIGRATE_TIMEOUT_MILLIS = 60_000;

	private SlotMoves() {
	}

	static void begin(int slot, ClusterNode source, ClusterNode target) {
		target.commands().clusterSetSlotImporting(slot, source.nodeId());
		source.commands().clusterSetSlotMigrating(slot, target.nodeId());
	}

	/**
	 * Move the keys of a slot whose migration has {@link #begin begun}, then hand the slot over.
	 * @param targetHost the host the source reaches the target at
	 * @param masters the masters now, all told the new owner
	 * @return how many keys were moved
	 */
	static int finish(int slot, ClusterNode source, ClusterNode target, String targetHost,
			List<? extends ClusterNode> masters) {
		int moved = 0;
		while (true) {
			List<String> keys = source.commands().clusterGetKeysInSlot(slot, MIGRATE_BATCH);
			if (keys.isEmpty()) {
				break;
			}
			source.commands().migrate(targetHost, target.port(), 0, MIGRATE_TIMEOUT_MILLIS,
					MigrateArgs.Builder.keys(keys));
			moved += keys.size();
		}
		assign(slot, source, target, masters);
		return moved;
	}

	/** {@code SETSLOT NODE} on the target, the source (if live) and every other live master. */
	static void assign(int slot, ClusterNode source, ClusterNode target, List<? extends ClusterNode> masters) {
		target.commands().clusterSetSlotNode(slot, target.nodeId());
		if (source != null && source.isLive()) {
			source.commands().clusterSetSlotNode(slot, target.nodeId());
		}
		for (ClusterNode master : masters) {
			if (master != target && master != source && master.isLive()) {
				master.commands().clusterSetSlotNode(slot, target.nodeId());
			}
		}
		SlotClaims.keep(slot, target);
	}

}
