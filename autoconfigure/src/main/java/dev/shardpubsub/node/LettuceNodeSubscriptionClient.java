package dev.shardpubsub.node;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.shardpubsub.cluster.NodeAddress;

import org.springframework.util.Assert;

/**
 * {@link NodeSubscriptionClient} over Lettuce: one pub/sub connection per node, made with the client resources,
 * options, credentials and TLS settings of the {@link RedisClusterClient} behind Spring Boot's connection factory.
 * <p>
 * The connections do not reconnect on their own: Lettuce would resubscribe every shard channel of a node in one
 * {@code SSUBSCRIBE} (which fails with {@code CROSSSLOT}) and would keep reconnecting to a dead master forever.
 * A lost connection is reported instead, and the reconciler decides where each slot goes.
 * <p>
 * A connection that has been silent for the {@linkplain #setLivenessInterval liveness interval} is sent a
 * {@code PING}: a frozen node (stopped process, stuck host) keeps the socket open, and an idle subscription has
 * nothing else that could time out. The check runs on the client resources' event executors.
 */
public class LettuceNodeSubscriptionClient implements NodeSubscriptionClient {

	private static final Log logger = LogFactory.getLog(LettuceNodeSubscriptionClient.class);

	private final ChannelNameCodec codec = new ChannelNameCodec();

	/** The client name our connections carry, visible in {@code CLIENT LIST}. */
	public static final String CLIENT_NAME = "shard-pubsub";

	private final Supplier<RedisClusterClient> clusterClient;

	private final Function<NodeAddress, RedisURI> uris;

	private final Duration commandTimeout;

	private volatile Duration livenessInterval = Duration.ofSeconds(1);

	private @Nullable ScheduledFuture<?> livenessCheck;

	private final Map<NodeAddress, NodeLink> links = new ConcurrentHashMap<>();

	/** The links with commands queued by the {@link #batch} running on this thread. */
	private final ThreadLocal<Set<NodeLink>> batch = new ThreadLocal<>();

	private volatile @Nullable RedisClient client;

	private volatile @Nullable NodeSubscriptionListener listener;

	private volatile boolean closed;

	/**
	 * Create a client.
	 * @param clusterClient the cluster client whose resources and options to share
	 * @param uris the connection URI of a node (with credentials and TLS settings)
	 * @param commandTimeout how long a subscribe or unsubscribe may take
	 */
	public LettuceNodeSubscriptionClient(Supplier<RedisClusterClient> clusterClient,
			Function<NodeAddress, RedisURI> uris, Duration commandTimeout) {
		this.clusterClient = clusterClient;
		this.uris = uris;
		this.commandTimeout = commandTimeout;
	}

	/**
	 * Set how long a node connection may go without a command in flight and without receiving anything before it
	 * is sent a {@code PING}; no answer within the command timeout closes it and reports it lost. Read when the
	 * first connection is made (again after {@link #close()}). Default 1s.
	 * @param livenessInterval the interval, {@code null} or zero to disable the check
	 */
	public void setLivenessInterval(Duration livenessInterval) {
		this.livenessInterval = livenessInterval;
	}

	@Override
	public void setChannelNames(UnaryOperator<String> names) {
		this.codec.setCanonical(names);
	}

	@Override
	public void setListener(NodeSubscriptionListener listener) {
		this.listener = listener;
	}

	@Override
	public CompletableFuture<Void> subscribe(NodeAddress node, List<String> channels) {
		return submit(node, true, channels);
	}

	@Override
	public CompletableFuture<Void> subscribeImporting(NodeAddress node, List<String> channels) {
		return link(node).submitImporting(channels);
	}

	@Override
	public CompletableFuture<Void> unsubscribe(NodeAddress node, List<String> channels) {
		return submit(node, false, channels);
	}

	private CompletableFuture<Void> submit(NodeAddress node, boolean subscribe, List<String> channels) {
		NodeLink link = link(node);
		Set<NodeLink> batch = this.batch.get();
		if (batch == null) {
			return link.submit(subscribe, channels, false);
		}
		batch.add(link);
		return link.submit(subscribe, channels, true);
	}

	@Override
	public void batch(Runnable steps) {
		if (this.batch.get() != null) {
			steps.run();
			return;
		}
		Set<NodeLink> links = new LinkedHashSet<>();
		this.batch.set(links);
		try {
			steps.run();
		}
		finally {
			this.batch.remove();
			links.forEach(NodeLink::sendNext);
		}
	}

	@Override
	public CompletableFuture<NodeAddress> masterOf(NodeAddress node) {
		return link(node).master();
	}

	@Override
	public void connect(NodeAddress node) {
		link(node);
	}

	@Override
	public void release(NodeAddress node) {
		NodeLink link = this.links.remove(node);
		if (link != null) {
			logger.debug("Closing the subscription connection to " + node + ": it holds no subscription");
			close(link, "released");
		}
	}

	@Override
	public Set<NodeAddress> connectedNodes() {
		return Set.copyOf(this.links.keySet());
	}

	@Override
	public long serverChannelCount(NodeAddress node) {
		NodeLink link = this.links.get(node);
		return (link != null) ? link.serverChannels() : -1;
	}

	@Override
	public void reset(NodeAddress node, String reason) {
		NodeLink link = this.links.get(node);
		if (link != null) {
			// Reported as lost when the connection is down (LostConnections), with this reason.
			close(link, reason);
		}
	}

	@Override
	public void close() {
		this.closed = true;
		this.links.values().forEach((link) -> link.fail("shutting down", null));
		this.links.clear();
		RedisClient current;
		synchronized (this) {
			current = this.client;
			this.client = null;
			if (this.livenessCheck != null) {
				this.livenessCheck.cancel(false);
				this.livenessCheck = null;
			}
		}
		if (current != null) {
			// Closes every connection it made.
			current.shutdown(Duration.ZERO, this.commandTimeout);
		}
		// Usable again after a restart of the application context.
		this.closed = false;
	}

	private NodeLink link(NodeAddress node) {
		NodeSubscriptionListener listener = this.listener;
		Assert.state(listener != null, "No NodeSubscriptionListener set");
		if (this.closed) {
			NodeLink refused = new NodeLink(node, listener, 1);
			refused.fail("client closed", null);
			return refused;
		}
		NodeLink existing = this.links.get(node);
		if (existing != null) {
			return existing;
		}
		NodeLink link = new NodeLink(node, listener, this.commandTimeout.toMillis());
		existing = this.links.putIfAbsent(node, link);
		if (existing != null) {
			return existing;
		}
		connect(link);
		return link;
	}

	private void connect(NodeLink link) {
		NodeAddress node = link.node();
		RedisURI uri;
		try {
			uri = uriOf(node);
		}
		catch (RuntimeException ex) {
			this.links.remove(node, link);
			link.fail("no connection settings: " + ex.getMessage(), ex);
			return;
		}
		// A frozen node accepts the TCP connection but never answers the handshake, which Lettuce waits for as long
		// as Boot's timeout (60 s by default): give up after the command timeout, as for any other command.
		CompletableFuture<StatefulRedisPubSubConnection<String, byte[]>> attempt = new CompletableFuture<>();
		attempt.orTimeout(this.commandTimeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((connection, error) -> {
			if (error != null) {
				this.links.remove(node, link);
				link.fail((error instanceof TimeoutException)
						? "no connection within " + this.commandTimeout.toMillis() + " ms"
						: "connection failed: " + describe(error), error);
			}
			else {
				link.connected(connection);
			}
		});
		client().connectPubSubAsync(this.codec, uri).whenComplete((connection, error) -> {
			if (error != null) {
				attempt.completeExceptionally(error);
			}
			else if (!attempt.complete(connection)) {
				connection.closeAsync();
			}
		});
	}

	// Lettuce's "Unable to connect to ..." hides why (a refused password, a TLS handshake): add the root cause.
	private static String describe(Throwable error) {
		Throwable root = error;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		String message = String.valueOf(error.getMessage());
		return (root == error || message.contains(String.valueOf(root.getMessage()))) ? message
				: message + " (" + root.getMessage() + ")";
	}

	private RedisURI uriOf(NodeAddress node) {
		RedisURI known = this.uris.apply(node);
		if (known == null) {
			throw new IllegalStateException("node " + node + " is not in the cluster topology");
		}
		RedisURI uri = RedisURI.builder(known).withHost(node.host()).withPort(node.port()).build();
		uri.setClientName(CLIENT_NAME);
		return uri;
	}

	private RedisClient client() {
		RedisClient current = this.client;
		if (current == null) {
			synchronized (this) {
				current = this.client;
				if (current == null) {
					RedisClusterClient cluster = this.clusterClient.get();
					current = RedisClient.create(cluster.getResources());
					ClientOptions options = cluster.getOptions();
					current.setOptions(((options != null) ? options.mutate() : ClientOptions.builder())
						.autoReconnect(false)
						.build());
					current.addListener(new LostConnections());
					this.livenessCheck = scheduleLivenessCheck(cluster.getResources());
					this.client = current;
				}
			}
		}
		return current;
	}

	private @Nullable ScheduledFuture<?> scheduleLivenessCheck(ClientResources resources) {
		Duration interval = this.livenessInterval;
		if (interval == null || interval.isZero() || interval.isNegative()) {
			return null;
		}
		long idleNanos = interval.toNanos();
		// Twice per interval: a connection is pinged at most one and a half intervals after it fell silent.
		long periodNanos = Math.max(idleNanos / 2, TimeUnit.MILLISECONDS.toNanos(1));
		return resources.eventExecutorGroup()
			.scheduleWithFixedDelay(() -> pingIdleLinks(idleNanos), periodNanos, periodNanos, TimeUnit.NANOSECONDS);
	}

	private void pingIdleLinks(long idleNanos) {
		try {
			long now = System.nanoTime();
			this.links.values().forEach((link) -> link.pingIfIdle(now, idleNanos));
		}
		catch (RuntimeException ex) {
			// An exception would end the periodic task.
			logger.warn("Liveness check of the subscription connections failed", ex);
		}
	}

	private void close(NodeLink link, String reason) {
		link.fail(reason, null);
		StatefulRedisPubSubConnection<String, byte[]> connection = link.connection();
		if (connection != null && connection.isOpen()) {
			connection.closeAsync();
		}
	}

	/**
	 * Reports a node connection that went down while we still wanted it.
	 */
	private final class LostConnections implements RedisConnectionStateListener {

		@Override
		public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
			for (NodeLink link : LettuceNodeSubscriptionClient.this.links.values()) {
				if (link.connection() == connection
						&& LettuceNodeSubscriptionClient.this.links.remove(link.node(), link)) {
					link.fail("connection lost", null);
					connection.closeAsync();
					NodeSubscriptionListener target = LettuceNodeSubscriptionClient.this.listener;
					if (target != null && !LettuceNodeSubscriptionClient.this.closed) {
						// The first reason wins: a command timeout (an unanswered PING) closes the connection itself.
						target.onConnectionLost(link.node(),
								Objects.requireNonNullElse(link.failure(), "connection lost"));
					}
					return;
				}
			}
		}

	}

}
