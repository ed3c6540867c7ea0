package dev.shardpubsub.sample.orders.demo;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;

import dev.shardpubsub.publish.ShardPublisher;

/**
 * The demo's publisher, in the demo's own process with a cluster client of its own (not the app's): plain Lettuce
 * {@code SPUBLISH} through a {@link RedisClusterClient} (command timeout 2 s), or the starter's
 * {@link ShardPublisher} over that client. It publishes at a fixed rate,
 * round-robin over every channel, each message a JSON record whose {@code id} is its sequence number on the
 * channel (1, 2, ...). It remembers which numbers the cluster acknowledged and which failed (a failed one is not
 * counted as sent, nor as lost).
 */
final class DemoPublisher implements AutoCloseable {

	private final RedisClusterClient client;

	private final ShardPublisher publisher;

	private final boolean plain;

	private StatefulRedisClusterConnection<String, String> connection;

	private final List<String> channels;

	private final List<String> templates;

	private final int rate;

	private final AtomicLongArray lastSeq;

	private final Map<Integer, Set<Long>> failed = new ConcurrentHashMap<>();

	private final AtomicLong acknowledged = new AtomicLong();

	// Per channel: when the last publish was acknowledged, and the longest wait between two since the window began.
	private final AtomicLongArray lastAck;

	private final AtomicLongArray longestWait;

	private volatile long windowStart;

	private final AtomicLong failures = new AtomicLong();

	private final AtomicLong published = new AtomicLong();

	private volatile boolean running;

	private Thread thread;

	/**
	 * @param nodes the cluster's nodes, host:port, comma-separated
	 * @param channels every channel
	 * @param templates per channel, the JSON payload with {@code %d} for the sequence number
	 * @param rate messages per second over all channels
	 */
	DemoPublisher(String nodes, List<String> channels, List<String> templates, int rate, boolean plain) {
		this.plain = plain;
		this.client = RedisClusterClient.create(List.of(nodes.split(",")).stream().map(String::trim).map((node) -> {
			int colon = node.lastIndexOf(':');
			return RedisURI.create(node.substring(0, colon), Integer.parseInt(node.substring(colon + 1)));
		}).toList());
		this.client.setOptions(ClusterClientOptions.builder()
			.timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(plain ? 2 : 10)))
			.topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
				.enableAllAdaptiveRefreshTriggers()
				.enablePeriodicRefresh(Duration.ofSeconds(2))
				.build())
			.build());
		this.publisher = new ShardPublisher(() -> this.client, null);
		this.channels = channels;
		this.templates = templates;
		this.rate = rate;
		this.lastSeq = new AtomicLongArray(channels.size());
		this.lastAck = new AtomicLongArray(channels.size());
		this.longestWait = new AtomicLongArray(channels.size());
	}

	void start() {
		if (this.plain) {
			this.connection = this.client.connect();
		}
		this.publisher.start();
		this.running = true;
		this.thread = new Thread(this::run, "demo-publisher");
		this.thread.setDaemon(true);
		this.thread.start();
	}

	private void run() {
		long period = 1_000_000_000L / this.rate;
		long next = System.nanoTime();
		int index = 0;
		while (this.running) {
			long now = System.nanoTime();
			if (now < next) {
				LockSupport.parkNanos(next - now);
				continue;
			}
			if (now - next > 500_000_000L) {
				next = now;   // stalled (a GC, a loaded machine): keep the rate, do not burst
			}
			publish(index);
			index = (index + 1) % this.channels.size();
			next += period;
		}
	}

	private void publish(int index) {
		long seq = this.lastSeq.get(index) + 1;
		String payload = String.format(this.templates.get(index), seq);
		try {
			CompletionStage<Long> reply = this.plain
					? this.connection.async().spublish(this.channels.get(index), payload)
					: this.publisher.publishAsync(this.channels.get(index), payload);
			reply.whenComplete((receivers, error) -> {
				if (error == null) {
					this.acknowledged.incrementAndGet();
					acknowledged(index, System.nanoTime());
				}
				else {
					fail(index, seq);
				}
			});
		}
		catch (RuntimeException ex) {
			fail(index, seq);
		}
		this.lastSeq.set(index, seq);
		this.published.incrementAndGet();
	}

	/**
	 * Wait until hardly any publish is waiting for its answer (a tenth of a second's worth), so that what is still
	 * in flight (held for a crashed master until it times out, say) is not taken for lost.
	 * @param timeoutMillis how long to wait at most
	 * @param all whether to wait for every answer (after {@link #stop()})
	 */
	void awaitAnswered(long timeoutMillis, boolean all) {
		long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
		long allowed = all ? 0 : Math.max(50, this.rate / 10);
		while (this.published.get() - this.acknowledged.get() - this.failures.get() > allowed
				&& System.nanoTime() < deadline) {
			LockSupport.parkNanos(10_000_000);
		}
	}

	long published() {
		return this.published.get();
	}

	private void acknowledged(int index, long now) {
		long previous = this.lastAck.getAndAccumulate(index, now, Math::max);
		if (previous != 0) {
			long wait = now - Math.max(previous, this.windowStart);
			this.longestWait.accumulateAndGet(index, wait, Math::max);
		}
	}

	/** Start measuring the longest wait between two acknowledged publishes of each channel anew. */
	void openWindow() {
		this.windowStart = System.nanoTime();
		for (int i = 0; i < this.channels.size(); i++) {
			this.longestWait.set(i, 0);
		}
	}

	/**
	 * @param index a channel
	 * @return the longest time in the current window the channel had no publish acknowledged, in milliseconds
	 */
	long longestWaitMillis(int index) {
		long ongoing = System.nanoTime() - Math.max(this.lastAck.get(index), this.windowStart);
		return Math.max(this.longestWait.get(index), ongoing) / 1_000_000;
	}

	private void fail(int index, long seq) {
		this.failures.incrementAndGet();
		this.failed.computeIfAbsent(index, (key) -> ConcurrentHashMap.newKeySet()).add(seq);
	}

	/** @return the last sequence number published on each channel, by channel index */
	long[] lastSeqs() {
		long[] seqs = new long[this.channels.size()];
		for (int i = 0; i < seqs.length; i++) {
			seqs[i] = this.lastSeq.get(i);
		}
		return seqs;
	}

	boolean failed(int index, long seq) {
		Set<Long> seqs = this.failed.get(index);
		return seqs != null && seqs.contains(seq);
	}

	long failedBetween(int index, long fromExclusive, long toInclusive) {
		Set<Long> seqs = this.failed.get(index);
		return (seqs != null) ? seqs.stream().filter((seq) -> seq > fromExclusive && seq <= toInclusive).count() : 0;
	}

	long acknowledged() {
		return this.acknowledged.get();
	}

	long failures() {
		return this.failures.get();
	}

	/** Stop publishing; what is in flight still completes. */
	void stop() {
		this.running = false;
		if (this.thread != null) {
			try {
				this.thread.join(5_000);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	@Override
	public void close() {
		stop();
		this.publisher.stop();
		this.client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
	}

}
