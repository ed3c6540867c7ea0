package dev.shardpubsub.reconcile;

import dev.shardpubsub.cluster.NodeAddress;
import dev.shardpubsub.topology.SlotOwnership;
import org.jspecify.annotations.Nullable;

/**
 * Which node a slot's subscription tries next: a redirect learned from {@code MOVED} (or {@code ROLE}, or the
 * replica that pushed), else the owner in the topology, else its replicas when the owner is unreachable (they keep
 * the subscription once one is promoted), else, with no owner in the view, the holder or any master to ask.
 */
final class Candidates {

	private Candidates() {
	}

	/**
	 * The node to try next.
	 * @param slot the slot, with the nodes that failed during this attempt
	 * @param ownership the current view
	 * @return the node, or {@code null} when every candidate failed
	 */
	static NodeAddress next(SlotSubscription slot, SlotOwnership ownership) {
		if (slot.hint != null && !slot.failedNodes.contains(slot.hint)) {
			return slot.hint;
		}
		NodeAddress owner = ownership.owner(slot.slot);
		if (owner == null) {
			// No owner in our view, which may be stale: ask a node; a MOVED answer names the owner if there is one.
			return probeCandidate(slot, ownership);
		}
		if (!slot.failedNodes.contains(owner)) {
			return owner;
		}
		// The owner is unreachable: its replicas accept the subscription and keep it once one is promoted.
		for (NodeAddress replica : ownership.replicasOf(owner)) {
			if (!slot.failedNodes.contains(replica)) {
				return replica;
			}
		}
		return null;
	}

	private static @Nullable NodeAddress probeCandidate(SlotSubscription slot, SlotOwnership ownership) {
		if (slot.holder != null && !slot.failedNodes.contains(slot.holder)) {
			return slot.holder;
		}
		for (NodeAddress master : ownership.masters()) {
			if (!slot.failedNodes.contains(master)) {
				return master;
			}
		}
		return null;
	}

}
