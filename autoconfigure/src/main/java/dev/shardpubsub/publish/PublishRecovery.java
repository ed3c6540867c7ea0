package dev.shardpubsub.publish;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.shardpubsub.node.LettuceSupport;
import dev.shardpubsub.publish.StuckPublishes.Decision;

/**
 * The {@link ShardPublisher}'s watchdog: every {@link #TICK_MILLIS} it looks at the publishes waiting for an
 * answer ({@link StuckPublishes} decides what they need) and refreshes the client's topology, sends stranded
 * messages again, or renews the connection. It costs nothing while every publish is answered in time.
 * <p>
 * A message is sent again only once the command that carried it is {@link PublishAttempt#withdraw() withdrawn}:
 * completed where Lettuce holds it, so that Lettuce never writes it, neither when the lost connection comes back
 * nor on the connection that a renewal replaced (which is closed once no publish waits on it any more).
 * <p>
 * Refreshes (Lettuce's {@code refreshPartitionsAsync()}, which also updates the view of everything else using the
 * client): every 100 ms while a publish waits on a lost connection; while publishes wait on an open one, at most
 * one every 500 ms, one more 200 ms later, and one when a publish that waited is answered (at most one every
 * 500 ms): a master holding writes during {@code CLUSTER FAILOVER} answers them the moment it is demoted, and
 * the view read then names its replica. A node answering slower than 20 ms all the time thus costs a few
 * refreshes a second.
 */
final class PublishRecovery implements StuckPublishes.Connections, AutoCloseable {

	private static final Log logger = LogFactory.getLog(PublishRecovery.class);

	static final long TICK_MILLIS = 20;

	private static final long REFRESH_STALE_NANOS = TimeUnit.SECONDS.toNanos(5);

	private static final long RENEW_TIMEOUT_MILLIS = 1000;

	/** A burst of held publishes answered at once costs one refresh. */
	private static final long RELEASE_REFRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

	private static final long FOLLOW_UP_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

	private static final long RENEW_BACKOFF_MIN_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

	private static final long RENEW_BACKOFF_MAX_NANOS = TimeUnit.SECONDS.toNanos(1);

	/** A replaced connection is closed once its publishes ended, or after this long. */
	private static final long RETIRE_MAX_NANOS = TimeUnit.MINUTES.toNanos(2);

	private final ShardPublisher publisher;

	private final RedisClusterClient client;

	private final Set<PublishAttempt> inFlight;

	private final Map<StatefulRedisClusterConnection<String, byte[]>, Long> retired = new ConcurrentHashMap<>();

	private final AtomicBoolean refreshing = new AtomicBoolean();

	private final AtomicBoolean refreshAgain = new AtomicBoolean();

	private final AtomicBoolean renewing = new AtomicBoolean();

	private final ScheduledExecutorService scheduler;

	private volatile long lastRefreshNanos = System.nanoTime() - TimeUnit.HOURS.toNanos(1);

	private volatile long followUpNanos;

	private volatile long lastReleaseNanos = System.nanoTime() - TimeUnit.HOURS.toNanos(1);

	private volatile long renewNotBeforeNanos = System.nanoTime();

	private volatile long renewBackoffNanos = RENEW_BACKOFF_MIN_NANOS;

	PublishRecovery(ShardPublisher publisher, RedisClusterClient client, Set<PublishAttempt> inFlight) {
		this.publisher = publisher;
		this.client = client;
		this.inFlight = inFlight;
		this.scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "shard-publisher-watchdog");
			thread.setDaemon(true);
			return thread;
		});
		this.scheduler.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
	}

	private void tick() {
		try {
			long now = System.nanoTime();
			if (this.followUpNanos != 0 && now - this.followUpNanos >= 0) {
				this.followUpNanos = 0;
				refresh(0);
			}
			if (!this.inFlight.isEmpty()) {
				this.inFlight.removeIf(PublishAttempt::isDone);
				abandonExpired(now);
				Decision decision = StuckPublishes.decide(System.nanoTime(), this.inFlight, this);
				if (decision.refreshPeriodNanos() > 0) {
					refresh(decision.refreshPeriodNanos());
				}
				StatefulRedisClusterConnection<String, byte[]> current = this.publisher.currentConnection();
				if (current != null) {
					for (PublishAttempt attempt : decision.resend()) {
						resend(attempt, current);
					}
				}
				if (!decision.renew().isEmpty()) {
					renew(decision.renew());
				}
			}
			closeRetired();
		}
		catch (RuntimeException ex) {
			logger.debug("Publisher watchdog failed", ex);
		}
	}

	/** Orphaned publishes that could not be sent again within the command timeout fail. */
	private void abandonExpired(long now) {
		StatefulRedisClusterConnection<String, byte[]> current = this.publisher.currentConnection();
		long timeout = (current != null && current.getTimeout() != null) ? current.getTimeout().toNanos()
				: TimeUnit.SECONDS.toNanos(60);
		for (PublishAttempt attempt : this.inFlight) {
			if (attempt.isOrphaned() && now - attempt.firstSentNanos() > timeout && attempt.abandon()) {
				this.inFlight.remove(attempt);
			}
		}
	}

	private void resend(PublishAttempt attempt, StatefulRedisClusterConnection<String, byte[]> connection) {
		PublishNode from = attempt.node();
		if (attempt.isOrphaned() ? attempt.adopt() : attempt.withdraw()) {
			this.publisher.send(attempt, connection);
			if (logger.isDebugEnabled()) {
				logger.debug("Sent " + attempt + " again: " + from + " is lost, the slot's owner is "
						+ attempt.node());
			}
		}
	}

	/**
	 * A publish was answered. If it waited long, its node held it (a master holds writes while its replica takes
	 * over, and answers them once it is demoted): refresh the view now, so the next publishes go to the new master.
	 * @param attempt the publish
	 */
	void answered(PublishAttempt attempt) {
		long now = System.nanoTime();
		if (now - attempt.sentNanos() >= StuckPublishes.STUCK_NANOS
				&& now - this.lastReleaseNanos >= StuckPublishes.LAZY_REFRESH_NANOS) {
			// At most one a period: a node that is slow all the time costs a few refreshes a second, no more.
			this.lastReleaseNanos = now;
			refresh(RELEASE_REFRESH_NANOS);
		}
	}

	/**
	 * Refresh the client's topology unless it was refreshed less than a period ago or a refresh is under way.
	 * @param periodNanos the period
	 */
	void refresh(long periodNanos) {
		long now = System.nanoTime();
		if (now - this.lastRefreshNanos < periodNanos) {
			return;
		}
		if (!this.refreshing.compareAndSet(false, true) && now - this.lastRefreshNanos < REFRESH_STALE_NANOS) {
			if (periodNanos <= RELEASE_REFRESH_NANOS) {
				// The refresh under way may have read the view before what prompted this one.
				this.refreshAgain.set(true);
			}
			return;
		}
		this.refreshing.set(true);
		this.lastRefreshNanos = now;
		if (periodNanos >= StuckPublishes.LAZY_REFRESH_NANOS) {
			// Publishes wait on a node that is there: maybe a master handing over. The view read now may predate
			// the hand-over, and once it is done nothing waits any more: look once more a little later.
			this.followUpNanos = now + FOLLOW_UP_NANOS;
		}
		try {
			if (logger.isDebugEnabled()) {
				logger.debug("Refreshing the topology (period " + TimeUnit.NANOSECONDS.toMillis(periodNanos) + " ms)");
			}
			this.client.refreshPartitionsAsync().whenComplete((ignored, error) -> {
				this.refreshing.set(false);
				if (logger.isDebugEnabled()) {
					logger.debug("Refreshed the topology in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - now)
							+ " ms");
				}
				if (error != null) {
					logger.debug("Topology refresh for the publisher failed: " + error.getMessage());
				}
				if (this.refreshAgain.getAndSet(false)) {
					refresh(0);
				}
			});
		}
		catch (RuntimeException ex) {
			this.refreshing.set(false);
			logger.debug("Topology refresh for the publisher failed: " + ex.getMessage());
		}
	}

	/**
	 * Open a new cluster connection and, once it reaches the owners of the stranded publishes' slots, make it the
	 * publisher's connection and send them again on it (their commands on the replaced connection are withdrawn
	 * first). One at a time, with a growing pause after a failure.
	 */
	private void renew(List<PublishAttempt> stranded) {
		long now = System.nanoTime();
		if (now < this.renewNotBeforeNanos || !this.renewing.compareAndSet(false, true)) {
			return;
		}
		Set<PublishNode> owners = new LinkedHashSet<>();
		for (PublishAttempt attempt : stranded) {
			PublishNode owner = owner(attempt.slot());
			if (owner != null) {
				owners.add(owner);
			}
		}
		CompletableFuture<StatefulRedisClusterConnection<String, byte[]>> opening = this.client
			.connectAsync(LettuceSupport.CODEC);
		opening.thenCompose((fresh) -> {
			List<CompletableFuture<?>> links = new ArrayList<>();
			for (PublishNode owner : owners) {
				links.add(fresh.getConnectionAsync(owner.host(), owner.port()));
			}
			return CompletableFuture.allOf(links.toArray(CompletableFuture[]::new)).thenApply((ignored) -> fresh);
		}).orTimeout(RENEW_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).whenComplete((fresh, error) -> {
			try {
				if (error != null) {
					renewFailed(opening, owners, error);
				}
				else {
					renewed(fresh, stranded);
				}
			}
			finally {
				this.renewing.set(false);
			}
		});
	}

	private void renewFailed(CompletableFuture<StatefulRedisClusterConnection<String, byte[]>> opening,
			Set<PublishNode> owners, Throwable error) {
		opening.thenAccept(StatefulRedisClusterConnection::closeAsync);
		long backoff = this.renewBackoffNanos;
		this.renewNotBeforeNanos = System.nanoTime() + backoff;
		this.renewBackoffNanos = Math.min(backoff * 2, RENEW_BACKOFF_MAX_NANOS);
		if (logger.isDebugEnabled()) {
			logger.debug("Could not reach " + owners + " on a new connection (" + error + "); trying again in "
					+ Duration.ofNanos(backoff).toMillis() + " ms");
		}
	}

	private void renewed(StatefulRedisClusterConnection<String, byte[]> fresh, List<PublishAttempt> stranded) {
		this.renewBackoffNanos = RENEW_BACKOFF_MIN_NANOS;
		StatefulRedisClusterConnection<String, byte[]> previous = this.publisher.replaceConnection(fresh);
		if (previous == null) {
			fresh.closeAsync();
			return;
		}
		this.retired.put(previous, System.nanoTime());
		logger.info("Renewed the publisher's connection: " + stranded.size()
				+ " publishes waited for a lost node connection that Lettuce had not restored");
		for (PublishAttempt attempt : stranded) {
			if (attempt.connection() == previous && !isOpen(previous, attempt.node())) {
				resend(attempt, fresh);
			}
		}
	}

	private void closeRetired() {
		if (this.retired.isEmpty()) {
			return;
		}
		long now = System.nanoTime();
		this.retired.forEach((connection, since) -> {
			boolean busy = this.inFlight.stream()
				.anyMatch((attempt) -> !attempt.isDone() && attempt.connection() == connection);
			if (!busy || now - since > RETIRE_MAX_NANOS) {
				this.retired.remove(connection);
				connection.closeAsync();
			}
		});
	}

	@Override
	public @Nullable Object current() {
		return this.publisher.currentConnection();
	}

	@Override
	public @Nullable PublishNode owner(int slot) {
		StatefulRedisClusterConnection<String, byte[]> current = this.publisher.currentConnection();
		return (current != null) ? ShardPublisher.owner(current, slot) : null;
	}

	@Override
	public boolean isOpen(@Nullable Object connection, @Nullable PublishNode node) {
		if (!(connection instanceof StatefulRedisClusterConnection<?, ?> cluster) || node == null) {
			return false;
		}
		try {
			CompletableFuture<? extends StatefulRedisConnection<?, ?>> link = cluster
				.getConnectionAsync(node.host(), node.port());
			return link.isDone() && !link.isCompletedExceptionally() && link.join().isOpen();
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

	@Override
	public void close() {
		this.scheduler.shutdownNow();
		this.retired.keySet().forEach(StatefulRedisClusterConnection::closeAsync);
		this.retired.clear();
	}
}
