package dev.shardpubsub.node;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

import dev.shardpubsub.cluster.NodeAddress;

/**
 * Shard subscriptions on one node at a time, over one pub/sub connection per node. The reconciler decides which
 * node; this type only talks to it.
 * <p>
 * Each returned future completes on a Redis I/O thread once the node confirmed every channel, or fails with
 * {@link MovedException} (the node does not serve the slot), {@link NodeUnavailableException} (no connection, or
 * no answer in time) or the node's error.
 */
public interface NodeSubscriptionClient {

	/**
	 * Subscribe channels of one slot on a node ({@code SSUBSCRIBE}).
	 * @param node the node
	 * @param channels channels of a single slot
	 * @return completes when every channel is confirmed
	 */
	CompletableFuture<Void> subscribe(NodeAddress node, List<String> channels);

	/**
	 * Subscribe channels of one slot on the node importing it during a migration ({@code ASKING}, then
	 * {@code SSUBSCRIBE}), ahead of the hand-over. A node that does not import the slot answers {@code MOVED}.
	 * @param node the importing node
	 * @param channels channels of a single slot
	 * @return completes when every channel is confirmed
	 */
	CompletableFuture<Void> subscribeImporting(NodeAddress node, List<String> channels);

	/**
	 * Run steps that send many commands as one batch: the subscribes and unsubscribes they queue on each node are
	 * written together and flushed once per node when the steps return, instead of one write per command. Commands
	 * keep their order on each node. The default runs the steps as they are.
	 * @param steps the steps, run on the calling thread
	 */
	default void batch(Runnable steps) {
		steps.run();
	}

	/**
	 * Unsubscribe channels on the node that holds them ({@code SUNSUBSCRIBE}). The node's confirmation is told
	 * apart from a server-initiated drop.
	 * @param node the node
	 * @param channels the channels
	 * @return completes when every channel is confirmed
	 */
	CompletableFuture<Void> unsubscribe(NodeAddress node, List<String> channels);

	/**
	 * Ask a node which master it serves ({@code ROLE}): the node itself when it is a master, else the master it
	 * replicates. A node that pushed {@code sunsubscribe} after a failover is a replica now and would accept the
	 * subscription again, without delivering until its new master lists it.
	 * @param node the node
	 * @return completes with the node's master
	 */
	CompletableFuture<NodeAddress> masterOf(NodeAddress node);

	/**
	 * Open the connection to a node ahead of need, so that a subscription moving there does not wait for it.
	 * @param node the node
	 */
	void connect(NodeAddress node);

	/**
	 * Close the connection to a node that holds nothing any more (or is dead).
	 * @param node the node
	 */
	void release(NodeAddress node);

	/**
	 * The nodes to which a connection is open or opening.
	 * @return the nodes
	 */
	Set<NodeAddress> connectedNodes();

	/**
	 * How many shard channels a node holds for our connection, as it said itself in its latest {@code ssubscribe} or
	 * {@code sunsubscribe} message (a reply or a push). The default does not know.
	 * @param node the node
	 * @return the count, or {@code -1} when unknown: no connection, or commands queued or in flight on it
	 */
	default long serverChannelCount(NodeAddress node) {
		return -1;
	}

	/**
	 * Close the connection to a node as if it had been lost: everything queued on it fails, and the listener is told
	 * {@link NodeSubscriptionListener#onConnectionLost} with the reason. The default does nothing.
	 * @param node the node
	 * @param reason why
	 */
	default void reset(NodeAddress node, String reason) {
	}

	/**
	 * Set what gives the instance of a channel name the application holds, so that names decoded from the nodes'
	 * replies and kept (a connection records what it subscribed) share it instead of copying it. The default ignores
	 * it.
	 * @param names the held instance of a name, or the name itself when none is held
	 */
	default void setChannelNames(UnaryOperator<String> names) {
	}

	/**
	 * Set who receives messages and connection events.
	 * @param listener the listener
	 */
	void setListener(NodeSubscriptionListener listener);

	/**
	 * Close every connection.
	 */
	void close();

}
