package dev.shardpubsub.autoconfigure;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.Assert;

/**
 * Configuration properties for Redis Cluster sharded pub/sub.
 */
@ConfigurationProperties("shard-pubsub")
public class ShardPubSubProperties {

	/**
	 * Whether to enable sharded pub/sub support (listeners, reconciler and publisher).
	 */
	private boolean enabled = true;

	private final Listener listener = new Listener();

	private final Topology topology = new Topology();

	private final Reconcile reconcile = new Reconcile();

	private final Metrics metrics = new Metrics();

	private final Health health = new Health();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Listener getListener() {
		return this.listener;
	}

	public Topology getTopology() {
		return this.topology;
	}

	public Reconcile getReconcile() {
		return this.reconcile;
	}

	public Metrics getMetrics() {
		return this.metrics;
	}

	public Health getHealth() {
		return this.health;
	}

	/**
	 * Listener containers and message dispatch.
	 */
	public static class Listener {

		/**
		 * Whether listeners start with the application context; a listener's own autoStartup attribute wins.
		 */
		private boolean autoStartup = true;

		/**
		 * Maximum number of messages waiting per listener and channel; what arrives beyond it is dropped, counted
		 * and logged.
		 */
		private int queueCapacity = 10_000;

		/**
		 * Number of threads handling messages when virtual threads are not enabled. Messages of one channel are
		 * always handled one at a time, in order.
		 */
		private int concurrency = 8;

		/**
		 * How long shutdown waits for queued and in-flight messages to be handled.
		 */
		private Duration shutdownTimeout = Duration.ofSeconds(10);

		/**
		 * Minimum interval between two log lines about dropped (overflowing) messages of one listener.
		 */
		private Duration overflowLogInterval = Duration.ofSeconds(10);

		public boolean isAutoStartup() {
			return this.autoStartup;
		}

		public void setAutoStartup(boolean autoStartup) {
			this.autoStartup = autoStartup;
		}

		public int getQueueCapacity() {
			return this.queueCapacity;
		}

		public void setQueueCapacity(int queueCapacity) {
			Assert.isTrue(queueCapacity > 0, "shard-pubsub.listener.queue-capacity must be at least 1");
			this.queueCapacity = queueCapacity;
		}

		public int getConcurrency() {
			return this.concurrency;
		}

		public void setConcurrency(int concurrency) {
			Assert.isTrue(concurrency > 0, "shard-pubsub.listener.concurrency must be at least 1");
			this.concurrency = concurrency;
		}

		public Duration getShutdownTimeout() {
			return this.shutdownTimeout;
		}

		public void setShutdownTimeout(Duration shutdownTimeout) {
			assertPositive(shutdownTimeout, "shard-pubsub.listener.shutdown-timeout");
			this.shutdownTimeout = shutdownTimeout;
		}

		public Duration getOverflowLogInterval() {
			return this.overflowLogInterval;
		}

		public void setOverflowLogInterval(Duration overflowLogInterval) {
			assertPositive(overflowLogInterval, "shard-pubsub.listener.overflow-log-interval");
			this.overflowLogInterval = overflowLogInterval;
		}

	}

	/**
	 * Watching the cluster topology.
	 */
	public static class Topology {

		/**
		 * Period of the topology refresh that backs up server pushes and connection events (it is what notices a
		 * crashed master that no longer answers).
		 */
		private Duration refreshPeriod = Duration.ofSeconds(2);

		/**
		 * How often every master is asked for the slots it is importing or migrating (CLUSTER NODES), so that a
		 * subscription is made ahead on the importing master of a slot whose keys are being migrated and is in
		 * place at the hand-over (make-before-break). A migration shorter than this (an empty slot, a few hundred
		 * keys) may be handed over unseen; its subscriptions then move on the server's push. Costs one CLUSTER NODES
		 * per master per period: raise it on clusters with many masters. 0 turns it off: moves are then followed
		 * from the servers' pushes only.
		 */
		private Duration migrationCheckPeriod = Duration.ofMillis(50);

		public Duration getRefreshPeriod() {
			return this.refreshPeriod;
		}

		public void setRefreshPeriod(Duration refreshPeriod) {
			assertPositive(refreshPeriod, "shard-pubsub.topology.refresh-period");
			this.refreshPeriod = refreshPeriod;
		}

		public Duration getMigrationCheckPeriod() {
			return this.migrationCheckPeriod;
		}

		public void setMigrationCheckPeriod(Duration migrationCheckPeriod) {
			if (migrationCheckPeriod == null || migrationCheckPeriod.isNegative()) {
				throw new IllegalArgumentException("shard-pubsub.topology.migration-check-period must not be negative "
						+ "(0 disables the check), but was " + migrationCheckPeriod);
			}
			this.migrationCheckPeriod = migrationCheckPeriod;
		}

	}

	/**
	 * Moving subscriptions when slots move.
	 */
	public static class Reconcile {

		/**
		 * Whether subscriptions follow slot moves, failovers and lost connections. When disabled, a dropped
		 * subscription stays dropped.
		 */
		private boolean enabled = true;

		/**
		 * How long a command to a node (SSUBSCRIBE, SUNSUBSCRIBE, ROLE, a liveness PING) may stay unanswered while the
		 * node sends nothing else before the connection counts as lost and its subscriptions move; a node that keeps
		 * answering other commands meanwhile is given up to five times as long. Also bounds connecting to a node.
		 */
		private Duration commandTimeout = Duration.ofSeconds(2);

		/**
		 * How long a node subscription connection may go without a command in flight and without receiving
		 * anything before it is sent a PING. No answer within the command timeout closes the connection and its
		 * subscriptions move (to a replica of a frozen master), without waiting for the topology refresh and its
		 * "spring.data.redis.timeout". Set to 0 to disable the check.
		 */
		private Duration livenessInterval = Duration.ofSeconds(1);

		/**
		 * First delay before subscribing again a slot that no reachable node served.
		 */
		private Duration retryInitialInterval = Duration.ofMillis(50);

		/**
		 * Longest delay between two attempts to subscribe an uncovered slot.
		 */
		private Duration retryMaxInterval = Duration.ofSeconds(2);

		/**
		 * Whether to keep a subscription connection open to every master and replica, even one that holds no
		 * subscription, so that a subscription moving there (a reshard, a failover) does not wait for a new
		 * connection. Idle connections to nodes that failed or left the cluster are closed either way.
		 */
		private boolean keepConnections = true;

		/**
		 * How long each channel remembers what it delivered, to drop the second copy of a message that a failover
		 * can bring: the new node of the shard may deliver again, after the move, a message the old one delivered
		 * just before. A copy is recognised by its payload, so two equal payloads published on one channel within
		 * this window around a failover are delivered once. Zero turns it off (every copy is delivered).
		 */
		private Duration deduplicationWindow = Duration.ofMillis(500);

		/**
		 * Whether to keep a standby subscription of every slot on another node of its shard (a replica of the
		 * master holding it). It delivers at once when the holder loses the subscription: a crashed master or a
		 * killed connection costs no round trip, and a CLUSTER FAILOVER no longer loses the messages the old master
		 * queued while its writes were paused. Costs one more subscription per slot, and every message travels twice
		 * to this application (the standby's copies are dropped on arrival).
		 */
		private boolean standby = true;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public Duration getCommandTimeout() {
			return this.commandTimeout;
		}

		public void setCommandTimeout(Duration commandTimeout) {
			assertPositive(commandTimeout, "shard-pubsub.reconcile.command-timeout");
			this.commandTimeout = commandTimeout;
		}

		public Duration getLivenessInterval() {
			return this.livenessInterval;
		}

		public void setLivenessInterval(Duration livenessInterval) {
			Assert.isTrue(livenessInterval == null || !livenessInterval.isNegative(),
					"shard-pubsub.reconcile.liveness-interval must not be negative (0 disables the check)");
			this.livenessInterval = (livenessInterval != null) ? livenessInterval : Duration.ZERO;
		}

		public Duration getRetryInitialInterval() {
			return this.retryInitialInterval;
		}

		public void setRetryInitialInterval(Duration retryInitialInterval) {
			assertPositive(retryInitialInterval, "shard-pubsub.reconcile.retry-initial-interval");
			this.retryInitialInterval = retryInitialInterval;
		}

		public boolean isStandby() {
			return this.standby;
		}

		public void setStandby(boolean standby) {
			this.standby = standby;
		}

		public Duration getDeduplicationWindow() {
			return this.deduplicationWindow;
		}

		public void setDeduplicationWindow(Duration deduplicationWindow) {
			Assert.isTrue(deduplicationWindow != null && !deduplicationWindow.isNegative(),
					"shard-pubsub.reconcile.deduplication-window must not be negative (0 turns it off)");
			this.deduplicationWindow = deduplicationWindow;
		}

		public boolean isKeepConnections() {
			return this.keepConnections;
		}

		public void setKeepConnections(boolean keepConnections) {
			this.keepConnections = keepConnections;
		}

		public Duration getRetryMaxInterval() {
			return this.retryMaxInterval;
		}

		public void setRetryMaxInterval(Duration retryMaxInterval) {
			assertPositive(retryMaxInterval, "shard-pubsub.reconcile.retry-max-interval");
			this.retryMaxInterval = retryMaxInterval;
		}

	}

	/**
	 * Micrometer metrics (when a MeterRegistry is present).
	 */
	public static class Metrics {

		/**
		 * Whether message metrics also carry a "channel" tag. Off by default: one time series per channel is too
		 * many for applications with thousands of channels.
		 */
		private boolean channelTags;

		public boolean isChannelTags() {
			return this.channelTags;
		}

		public void setChannelTags(boolean channelTags) {
			this.channelTags = channelTags;
		}

	}

	/**
	 * The "shardPubSub" health indicator (when Actuator is present).
	 */
	public static class Health {

		/**
		 * How long a channel may be without a subscription (moving, uncovered or not yet subscribed) before the
		 * health indicator reports DOWN.
		 */
		private Duration gracePeriod = Duration.ofSeconds(10);

		public Duration getGracePeriod() {
			return this.gracePeriod;
		}

		public void setGracePeriod(Duration gracePeriod) {
			assertPositive(gracePeriod, "shard-pubsub.health.grace-period");
			this.gracePeriod = gracePeriod;
		}

	}

	private static void assertPositive(Duration value, String property) {
		Assert.isTrue(value != null && !value.isNegative() && !value.isZero(),
				() -> property + " must be a positive duration, such as 2s or 500ms");
	}

}
