package dev.shardpubsub.benchmarks;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;

import dev.shardpubsub.test.RedisNode;

/**
 * Polls a replica's {@code ROLE} from a thread of its own, on a connection of its own, until it answers
 * {@code master}: the promotion moment is the time of that answer (at most one poll interval late).
 */
final class PromotionProbe implements AutoCloseable {

	private final RedisClient client;

	private final RedisNode replica;

	private final long intervalNanos;

	private final CountDownLatch promoted = new CountDownLatch(1);

	private volatile boolean running = true;

	private volatile long lastReplicaAnswerNanos;

	private volatile long promotedNanos;

	private volatile int polls;

	private final Thread thread;

	private PromotionProbe(RedisClient client, RedisNode replica, long intervalNanos) {
		this.client = client;
		this.replica = replica;
		this.intervalNanos = intervalNanos;
		this.thread = new Thread(this::run, "promotion-probe");
		this.thread.setDaemon(true);
	}

	static PromotionProbe start(RedisClient client, RedisNode replica, long intervalNanos) {
		PromotionProbe probe = new PromotionProbe(client, replica, intervalNanos);
		probe.thread.start();
		return probe;
	}

	private void run() {
		StatefulRedisConnection<String, String> connection = null;
		try {
			while (this.running) {
				try {
					if (connection == null || !connection.isOpen()) {
						connection = this.client.connect(StringCodec.UTF8, this.replica.redisUri());
					}
					List<Object> role = connection.sync().role();
					long now = System.nanoTime();
					this.polls++;
					if (!role.isEmpty() && "master".equals(String.valueOf(role.get(0)))) {
						this.promotedNanos = now;
						this.promoted.countDown();
						return;
					}
					this.lastReplicaAnswerNanos = now;
				}
				catch (RedisException ex) {
					if (connection != null) {
						connection.closeAsync();
						connection = null;
					}
				}
				LockSupport.parkNanos(this.intervalNanos);
			}
		}
		finally {
			if (connection != null) {
				connection.closeAsync();
			}
		}
	}

	/**
	 * Wait for the promotion.
	 * @param timeout how long at most
	 * @return the {@link System#nanoTime()} of the first {@code master} answer, or 0 if none came in time
	 */
	long awaitPromotion(Duration timeout) {
		try {
			this.promoted.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		return this.promotedNanos;
	}

	/** @return the time of the last {@code slave} answer before the promotion: the promotion is after it */
	long lastReplicaAnswerNanos() {
		return this.lastReplicaAnswerNanos;
	}

	int polls() {
		return this.polls;
	}

	@Override
	public void close() {
		this.running = false;
	}

}
