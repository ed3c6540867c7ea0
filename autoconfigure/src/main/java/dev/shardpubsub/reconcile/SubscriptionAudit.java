package dev.shardpubsub.reconcile;

import java.util.HashMap;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.shardpubsub.cluster.NodeAddress;
import dev.shardpubsub.node.NodeSubscriptionClient;

/**
 * The backstop against a subscription we count on that the node does not have (it found {@code SSUBSCRIBE} and
 * {@code SUNSUBSCRIBE} of one channel reaching a node in the other order, fixed in {@code NodeLink}; it stays for any
 * other way a node could lose our subscription without a push). Every check (once a second), each node's own count
 * of our shard channels (the count in its latest {@code ssubscribe} / {@code sunsubscribe} message, see
 * {@link NodeSubscriptionClient#serverChannelCount}) is compared with the channels we hold there as holder, standby
 * or subscription ahead. A node that counts fewer at two checks in a row, with nothing under way there, gets a new
 * connection: the recovery from a lost connection subscribes everything again there, the standbys delivering
 * meanwhile. Runs only on the reconciler's thread.
 */
final class SubscriptionAudit {

	private static final Log logger = LogFactory.getLog(ShardSubscriptionReconciler.class);

	/** A node with a command, a move or a standby or ahead subscribe under way: not compared. */
	private static final long BUSY = -1;

	private final SubscriptionIndex index;

	private final NodeSubscriptionClient nodes;

	/** The nodes that counted fewer channels than we held there at the last check, and how many we held. */
	private Map<NodeAddress, Long> shortBefore = Map.of();

	SubscriptionAudit(SubscriptionIndex index, NodeSubscriptionClient nodes) {
		this.index = index;
		this.nodes = nodes;
	}

	void check() {
		Map<NodeAddress, Long> shortNow = new HashMap<>();
		expectedCounts().forEach((node, wanted) -> {
			long counted = (wanted == BUSY) ? BUSY : this.nodes.serverChannelCount(node);
			if (counted == BUSY || counted >= wanted) {
				return;
			}
			if (wanted.equals(this.shortBefore.get(node))) {
				logger.warn(node + " holds " + counted + " of the " + wanted + " shard channels we subscribed there; "
						+ "reconnecting to subscribe them again");
				this.nodes.reset(node, "it held " + counted + " of our " + wanted + " shard channels");
			}
			else {
				shortNow.put(node, wanted);
			}
		});
		this.shortBefore = shortNow;
	}

	/** How many channels we hold on each node, or {@link #BUSY}. */
	private Map<NodeAddress, Long> expectedCounts() {
		Map<NodeAddress, Long> counts = new HashMap<>();
		for (SlotSubscription slot : this.index.slots()) {
			boolean busy = slot.inFlight || slot.moving() || slot.standbyInFlight || slot.aheadInFlight;
			add(counts, slot.holder, busy, slot.held.size());
			add(counts, slot.standby, busy, slot.standbyHeld.size());
			add(counts, slot.ahead, busy, slot.aheadHeld.size());
		}
		return counts;
	}

	private static void add(Map<NodeAddress, Long> counts, @Nullable NodeAddress node, boolean busy, int channels) {
		if (node != null) {
			counts.merge(node, busy ? BUSY : channels, (a, b) -> (a == BUSY || b == BUSY) ? BUSY : a + b);
		}
	}

}
