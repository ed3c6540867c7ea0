package dev.shardpubsub.event;

import java.util.List;

import dev.shardpubsub.cluster.NodeAddress;

/**
 * A node dropped shard subscriptions on its own (an unsolicited {@code sunsubscribe} push): the slot moved away
 * from it, by a reshard or a failover. The subscriptions must be made again where the slot lives now.
 */
public class SubscriptionDroppedEvent extends ShardPubSubEvent {

	private final NodeAddress node;

	private final List<String> channels;

	/**
	 * Create an event.
	 * @param source the publisher
	 * @param node the node that dropped the subscriptions
	 * @param channels the dropped channels
	 * @param detectedNanos when the push arrived
	 */
	public SubscriptionDroppedEvent(Object source, NodeAddress node, List<String> channels, long detectedNanos) {
		super(source, detectedNanos);
		this.node = node;
		this.channels = List.copyOf(channels);
	}

	/**
	 * The node that dropped the subscriptions.
	 * @return the node
	 */
	public NodeAddress getNode() {
		return this.node;
	}

	/**
	 * The dropped channels.
	 * @return the channels
	 */
	public List<String> getChannels() {
		return this.channels;
	}

	@Override
	public String toString() {
		return "SubscriptionDroppedEvent[node=" + this.node + ", channels=" + this.channels + "]";
	}

}
