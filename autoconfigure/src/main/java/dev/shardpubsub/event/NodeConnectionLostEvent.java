package dev.shardpubsub.event;

import dev.shardpubsub.cluster.NodeAddress;

/**
 * The subscription connection to a node was lost (the node crashed or restarted, or the connection was killed).
 * Every subscription it held is gone and must be made again.
 */
public class NodeConnectionLostEvent extends ShardPubSubEvent {

	private final NodeAddress node;

	private final String cause;

	/**
	 * Create an event.
	 * @param source the publisher
	 * @param node the node
	 * @param cause why the connection was lost, as far as known
	 * @param detectedNanos when the loss was noticed
	 */
	public NodeConnectionLostEvent(Object source, NodeAddress node, String cause, long detectedNanos) {
		super(source, detectedNanos);
		this.node = node;
		this.cause = cause;
	}

	/**
	 * The node whose connection was lost.
	 * @return the node
	 */
	public NodeAddress getNode() {
		return this.node;
	}

	/**
	 * Why the connection was lost, as far as known.
	 * @return the cause
	 */
	public String getCause() {
		return this.cause;
	}

	@Override
	public String toString() {
		return "NodeConnectionLostEvent[node=" + this.node + ", cause=" + this.cause + "]";
	}

}
