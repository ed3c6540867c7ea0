package dev.shardpubsub.reconcile;

import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.shardpubsub.node.NodeSubscriptionClient;
import dev.shardpubsub.cluster.NodeAddress;
import dev.shardpubsub.topology.SlotOwnership;
import dev.shardpubsub.topology.TopologyWatcher;

/**
 * Which node connections the reconciler keeps: one to every master and replica (so that a subscription moving there
 * does not wait for a new connection), and none to a node that holds nothing and failed or left. Runs only on the
 * reconciler's thread.
 */
final class NodeConnections {

	private static final Log logger = LogFactory.getLog(ShardSubscriptionReconciler.class);

	private final ShardSubscriptionReconciler owner;

	private final SubscriptionIndex index;

	private final NodeSubscriptionClient nodes;

	private final TopologyWatcher topology;

	private volatile boolean keepConnections = true;

	NodeConnections(ShardSubscriptionReconciler owner, SubscriptionIndex index, NodeSubscriptionClient nodes,
			TopologyWatcher topology) {
		this.owner = owner;
		this.index = index;
		this.nodes = nodes;
		this.topology = topology;
	}

	void setKeepConnections(boolean keepConnections) {
		this.keepConnections = keepConnections;
	}

	/**
	 * Open connections to every master and replica, and close the idle ones of nodes that failed or left.
	 */
	void connectToServingNodes() {
		if (!this.keepConnections) {
			return;
		}
		SlotOwnership ownership = this.topology.current();
		for (NodeAddress node : ownership.servingNodes()) {
			if (!ownership.isFailing(node)) {
				this.nodes.connect(node);
			}
		}
		for (NodeAddress node : this.nodes.connectedNodes()) {
			releaseIfIdle(node);
		}
	}

	/**
	 * Unsubscribe channels on a node, logging a failure (the node may be gone).
	 */
	void unsubscribe(NodeAddress node, List<String> channels) {
		if (logger.isDebugEnabled()) {
			logger.debug("Unsubscribing " + channels + " on " + node);
		}
		this.nodes.unsubscribe(node, channels).whenComplete((ignored, error) -> {
			if (error != null && logger.isDebugEnabled()) {
				logger.debug("SUNSUBSCRIBE of " + channels + " on " + node + " failed: " + error.getMessage());
			}
		});
	}

	/**
	 * Close the connection to a node that holds nothing, unless it is kept for moves that may go there.
	 */
	void releaseIfIdle(@Nullable NodeAddress node) {
		if (node == null || this.index.holdsAnything(node)) {
			return;
		}
		SlotOwnership ownership = this.topology.current();
		if (this.keepConnections && ownership.isServing(node) && !ownership.isFailing(node)) {
			// A subscription that moves there (a reshard, a failover) must not wait for a new connection.
			return;
		}
		for (SlotSubscription slot : this.index.slots()) {
			if (slot.inFlight && node.equals(slot.acceptFrom)) {
				return;
			}
		}
		// Queued unsubscribes go first; the connection closes after them.
		this.nodes.unsubscribe(node, List.of()).whenComplete((ignored, error) -> this.owner.execute(() -> {
			if (!this.index.holdsAnything(node)) {
				this.nodes.release(node);
			}
		}));
	}

}
