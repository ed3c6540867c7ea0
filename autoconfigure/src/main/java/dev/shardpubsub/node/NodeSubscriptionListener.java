package dev.shardpubsub.node;

import dev.shardpubsub.cluster.NodeAddress;

/**
 * What arrives on the node connections. Called on Redis I/O threads: implementations hand off and return.
 */
public interface NodeSubscriptionListener {

	/**
	 * A shard message.
	 * @param node the node that delivered it
	 * @param channel the channel
	 * @param payload the payload
	 */
	void onMessage(NodeAddress node, String channel, byte[] payload);

	/**
	 * The node dropped a subscription we did not ask to drop (an unsolicited {@code sunsubscribe} push).
	 * @param node the node
	 * @param channel the channel
	 */
	void onServerUnsubscribe(NodeAddress node, String channel);

	/**
	 * The connection to a node was lost; every subscription it held is gone.
	 * @param node the node
	 * @param cause why, as far as known
	 */
	void onConnectionLost(NodeAddress node, String cause);

}
