package dev.shardpubsub.benchmarks;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;

import dev.shardpubsub.test.PublisherLoop;

/**
 * Publishes sequence numbers on one shard channel at a fixed rate, independently of the library under test: one
 * plain standalone Lettuce connection per node, {@code SPUBLISH} to the node believed to own the slot, following
 * {@code MOVED} itself, and on a connection error or {@code CLUSTERDOWN} trying every other node in turn, so that
 * its own recovery is as fast as possible (and is measured separately).
 * <p>
 * A Redis 7.0 replica accepts {@code SPUBLISH} for its master's slots and delivers it to its own subscribers only
 * (a demoted master after {@code CLUSTER FAILOVER}, a replica whose master was killed). So every {@code SPUBLISH}
 * is pipelined with a {@code ROLE} behind it (same connection, same flush): if the node answers {@code slave}, the
 * message is logged as published on a replica (not a real publish, not counted as lost, never retried, so never
 * published twice) and the next one goes to the master that {@code ROLE} names. A timed-out {@code SPUBLISH} may
 * still run, so it is not retried either.
 * <p>
 * Sequence number {@code n} is due at {@code start + n / rate}; the thread parks until then
 * ({@link LockSupport#parkNanos}). A number whose due time passed by more than {@link #MAX_LAG_NANOS} (the
 * publisher was stuck in a failing or blocked command) is skipped and logged as such: the rate stays uniform, so
 * lost messages convert to deaf milliseconds.
 */
final class IndependentPublisher implements AutoCloseable {

	static final long MAX_LAG_NANOS = 20_000_000;

	private static final int MAX_ATTEMPTS = 16;

	private static final String WARM_UP_CHANNEL = "publisher-warm-up";

	private static final int WARM_UP_PUBLISHES = 6000;

	private final RedisClient client;

	private final List<String> addresses;

	private final RedisURI[] uris;

	private final StatefulRedisConnection<String, String>[] connections;

	private final String channel;

	private final long periodNanos;

	private final PublishLog log;

	private int believedOwner;

	private final CountDownLatch warmedUp = new CountDownLatch(1);

	private final PublisherLoop loop = new PublisherLoop("independent-publisher", this::run);

	@SuppressWarnings("unchecked")
	IndependentPublisher(RedisClient client, List<String> addresses, String channel, int rate, PublishLog log) {
		this.client = client;
		this.addresses = List.copyOf(addresses);
		this.uris = addresses.stream().map(IndependentPublisher::uri).toArray(RedisURI[]::new);
		this.connections = new StatefulRedisConnection[addresses.size()];
		this.channel = channel;
		this.periodNanos = 1_000_000_000L / rate;
		this.log = log;
	}

	void start() {
		this.loop.start();
	}

	/** Stop after the current message and wait for the thread. */
	void stop() {
		this.loop.stop(Duration.ofSeconds(10));
	}

	private void run() {
		warmUp();
		long start = System.nanoTime() + 1_000_000;
		for (int seq = 0; this.loop.isRunning() && seq < this.log.capacity(); seq++) {
			long due = start + seq * this.periodNanos;
			long now = System.nanoTime();
			if (now - due > MAX_LAG_NANOS) {
				this.log.skipped(seq, due);
				continue;
			}
			while (now < due) {
				LockSupport.parkNanos(due - now);
				now = System.nanoTime();
			}
			publish(seq);
		}
	}

	/**
	 * The publisher is not under test: its own first {@code MOVED} must not be slow (cold code), or the delay hides
	 * the subscribers' first deaf time. So it follows {@code MOVED} (and meets replicas) a few thousand times first,
	 * on a channel nobody subscribes to, starting at every node in turn; none of it is logged.
	 */
	private void warmUp() {
		for (int i = 0; this.loop.isRunning() && i < WARM_UP_PUBLISHES; i++) {
			this.believedOwner = i % this.uris.length;
			publish(WARM_UP_CHANNEL, i, false);
		}
		this.believedOwner = 0;
		this.warmedUp.countDown();
	}

	/**
	 * Wait until the warm-up is over and the measured publishing begins.
	 * @throws InterruptedException if interrupted
	 */
	void awaitWarmedUp() throws InterruptedException {
		this.warmedUp.await();
	}

	private void publish(int seq) {
		publish(this.channel, seq, true);
	}

	private void publish(String channel, int seq, boolean logged) {
		String payload = Integer.toString(seq);
		boolean[] tried = new boolean[this.uris.length];
		int target = Math.max(this.believedOwner, 0);
		long firstAttempt = 0;
		for (int attempt = 0; attempt < MAX_ATTEMPTS && target >= 0; attempt++) {
			tried[target] = true;
			long sent = System.nanoTime();
			if (firstAttempt == 0) {
				firstAttempt = sent;
			}
			try {
				StatefulRedisConnection<String, String> connection = connection(target);
				RedisAsyncCommands<String, String> commands = connection.async();
				RedisFuture<Long> receivers = commands.spublish(channel, payload);
				RedisFuture<List<Object>> role = commands.role();
				connection.flushCommands();
				Long count = await(receivers);
				List<Object> answer = await(role);
				if ("master".equals(String.valueOf(answer.get(0)))) {
					this.believedOwner = target;
					if (logged) {
						this.log.published(seq, sent, target, (count != null) ? count : -1);
					}
				}
				else {
					int master = this.addresses.indexOf(answer.get(1) + ":" + answer.get(2));
					this.believedOwner = (master >= 0) ? master : untried(tried);
					if (logged) {
						this.log.onReplica(seq, sent, target);
					}
				}
				return;
			}
			catch (RedisCommandExecutionException ex) {
				int moved = movedTarget(ex.getMessage());
				if (moved >= 0) {
					this.believedOwner = moved;
				}
				target = (moved >= 0 && !tried[moved]) ? moved : untried(tried);
			}
			catch (RedisCommandTimeoutException ex) {
				break;
			}
			catch (RedisException ex) {
				// Connection refused or closed: the node may be dead; any other may know the owner.
				drop(target);
				target = untried(tried);
			}
		}
		if (logged) {
			this.log.failed(seq, firstAttempt);
		}
	}

	private static <T> T await(RedisFuture<T> future) {
		return LettuceFutures.awaitOrCancel(future, PlainLettuce.COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
	}

	private StatefulRedisConnection<String, String> connection(int index) {
		StatefulRedisConnection<String, String> connection = this.connections[index];
		if (connection == null || !connection.isOpen()) {
			connection = this.client.connect(StringCodec.UTF8, this.uris[index]);
			// SPUBLISH and ROLE leave in one write.
			connection.setAutoFlushCommands(false);
			this.connections[index] = connection;
		}
		return connection;
	}

	private void drop(int index) {
		StatefulRedisConnection<String, String> connection = this.connections[index];
		this.connections[index] = null;
		if (connection != null) {
			connection.closeAsync();
		}
	}

	private int movedTarget(String message) {
		if (message == null || !message.startsWith("MOVED ")) {
			return -1;
		}
		String[] words = message.split(" ");
		return (words.length >= 3) ? this.addresses.indexOf(words[2].trim()) : -1;
	}

	private static int untried(boolean[] tried) {
		for (int i = 0; i < tried.length; i++) {
			if (!tried[i]) {
				return i;
			}
		}
		return -1;
	}

	private static RedisURI uri(String address) {
		int colon = address.lastIndexOf(':');
		return RedisURI.builder()
			.withHost(address.substring(0, colon))
			.withPort(Integer.parseInt(address.substring(colon + 1)))
			.withTimeout(PlainLettuce.COMMAND_TIMEOUT)
			.build();
	}

	@Override
	public void close() {
		stop();
		for (int i = 0; i < this.connections.length; i++) {
			drop(i);
		}
	}

}
