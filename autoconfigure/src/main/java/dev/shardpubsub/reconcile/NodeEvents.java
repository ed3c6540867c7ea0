package dev.shardpubsub.reconcile;

import dev.shardpubsub.node.NodeSubscriptionListener;
import dev.shardpubsub.cluster.NodeAddress;
import dev.shardpubsub.topology.TopologyWatcher;

/**
 * What the node connections report, on Redis I/O threads: messages go through the {@link MessageGate} to the
 * listeners; drops and lost connections go to the {@link TopologyWatcher}, which publishes them as events.
 */
final class NodeEvents implements NodeSubscriptionListener {

	private final MessageGate gate;

	private final TopologyWatcher topology;

	NodeEvents(MessageGate gate, TopologyWatcher topology) {
		this.gate = gate;
		this.topology = topology;
	}

	@Override
	public void onMessage(NodeAddress node, String channel, byte[] payload) {
		this.gate.deliver(node, channel, payload);
	}

	@Override
	public void onServerUnsubscribe(NodeAddress node, String channel) {
		this.topology.serverUnsubscribed(node, channel);
	}

	@Override
	public void onConnectionLost(NodeAddress node, String cause) {
		this.topology.connectionLost(node, cause);
	}

}
