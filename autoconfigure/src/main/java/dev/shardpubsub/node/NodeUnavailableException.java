package dev.shardpubsub.node;

import dev.shardpubsub.cluster.NodeAddress;
import org.jspecify.annotations.Nullable;

/**
 * A node could not be reached, lost its connection, or did not answer in time.
 */
public class NodeUnavailableException extends RuntimeException {

	private final NodeAddress node;

	/**
	 * Create an exception.
	 * @param node the node
	 * @param message what happened
	 * @param cause the cause, may be {@code null}
	 */
	public NodeUnavailableException(NodeAddress node, String message, @Nullable Throwable cause) {
		super(node + ": " + message, cause);
		this.node = node;
	}

	public NodeAddress getNode() {
		return this.node;
	}

}
