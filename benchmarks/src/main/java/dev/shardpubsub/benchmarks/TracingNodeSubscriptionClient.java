package dev.shardpubsub.benchmarks;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import dev.shardpubsub.benchmarks.SubscribeTrace.Kind;
import dev.shardpubsub.node.MovedException;
import dev.shardpubsub.node.NodeSubscriptionClient;
import dev.shardpubsub.node.NodeSubscriptionListener;
import dev.shardpubsub.topology.NodeAddress;

/**
 * Wraps the auto-configured {@link NodeSubscriptionClient} to time the reconciler's commands into a
 * {@link SubscribeTrace}. Messages pass straight through; a command costs a {@link System#nanoTime()}, a look at
 * the open connections and a queue insertion.
 */
public final class TracingNodeSubscriptionClient implements NodeSubscriptionClient {

	private final NodeSubscriptionClient delegate;

	private final SubscribeTrace trace;

	private final boolean keepConnections;

	/**
	 * Wrap a client.
	 * @param delegate the client doing the work
	 * @param trace where to record
	 * @param keepConnections what-if experiment: never close a node connection that holds nothing any more
	 */
	public TracingNodeSubscriptionClient(NodeSubscriptionClient delegate, SubscribeTrace trace,
			boolean keepConnections) {
		this.delegate = delegate;
		this.trace = trace;
		this.keepConnections = keepConnections;
	}

	@Override
	public CompletableFuture<Void> subscribe(NodeAddress node, List<String> channels) {
		long sent = System.nanoTime();
		boolean newConnection = !this.delegate.connectedNodes().contains(node);
		CompletableFuture<Void> result = this.delegate.subscribe(node, channels);
		this.trace.add(Kind.SUBSCRIBE_SENT, sent, node.toString(), newConnection, null);
		// A dependent stage, so that the answer is timed before the reconciler's own callback runs (an error
		// reaches it wrapped in a CompletionException, which it unwraps).
		return result.whenComplete((ignored, error) -> record(node, error));
	}

	private void record(NodeAddress node, Throwable error) {
		long now = System.nanoTime();
		Throwable cause = (error instanceof CompletionException && error.getCause() != null) ? error.getCause()
				: error;
		Kind kind = (cause == null) ? Kind.SUBSCRIBED : (cause instanceof MovedException) ? Kind.MOVED : Kind.FAILED;
		this.trace.add(kind, now, node.toString(), false, (cause != null) ? cause.getMessage() : null);
	}

	@Override
	public CompletableFuture<Void> unsubscribe(NodeAddress node, List<String> channels) {
		this.trace.add(Kind.UNSUBSCRIBE_SENT, System.nanoTime(), node.toString(), false,
				channels.isEmpty() ? "barrier" : null);
		return this.delegate.unsubscribe(node, channels);
	}

	@Override
	public CompletableFuture<NodeAddress> masterOf(NodeAddress node) {
		return this.delegate.masterOf(node);
	}

	@Override
	public void connect(NodeAddress node) {
		this.delegate.connect(node);
	}

	@Override
	public void release(NodeAddress node) {
		if (!this.keepConnections) {
			this.delegate.release(node);
		}
	}

	@Override
	public Set<NodeAddress> connectedNodes() {
		return this.delegate.connectedNodes();
	}

	@Override
	public void setListener(NodeSubscriptionListener listener) {
		this.delegate.setListener(new TracingListener(listener));
	}

	@Override
	public void close() {
		this.delegate.close();
	}

	private final class TracingListener implements NodeSubscriptionListener {

		private final NodeSubscriptionListener listener;

		TracingListener(NodeSubscriptionListener listener) {
			this.listener = listener;
		}

		@Override
		public void onMessage(NodeAddress node, String channel, byte[] payload) {
			this.listener.onMessage(node, channel, payload);
		}

		@Override
		public void onServerUnsubscribe(NodeAddress node, String channel) {
			TracingNodeSubscriptionClient.this.trace.add(Kind.PUSH, System.nanoTime(), node.toString(), false,
					channel);
			this.listener.onServerUnsubscribe(node, channel);
		}

		@Override
		public void onConnectionLost(NodeAddress node, String cause) {
			TracingNodeSubscriptionClient.this.trace.add(Kind.CONNECTION_LOST, System.nanoTime(), node.toString(),
					false, cause);
			this.listener.onConnectionLost(node, cause);
		}

	}

}
