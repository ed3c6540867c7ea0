package dev.shardpubsub.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.models.slots.ClusterSlotRange;
import io.lettuce.core.cluster.models.slots.ClusterSlotsParser;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.shardpubsub.test.PublisherLoop;

/**
 * Publishes sequence-numbered messages ({@code SPUBLISH}) round-robin to every chaos channel at a fixed rate,
 * independently of the starter: its own client resources, one plain connection per node, its own slot table
 * (the owner most nodes report in {@code CLUSTER SLOTS}, refreshed every 250 ms and corrected by {@code MOVED}).
 * <p>
 * Each sequence number is sent at most once (no automatic reconnect, no retry of a sent command), so the
 * publisher never makes a duplicate: a command that failed or timed out is recorded as such (its outcome is
 * unknown) and the channel's next message gets the next number. While a channel's owner is unreachable its
 * messages are skipped, not numbered.
 */
final class ChaosPublisher implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(ChaosPublisher.class);

	private static final int MAX_IN_FLIGHT = 4000;

	private static final long RECONNECT_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

	private final SequenceLedger ledger;

	private final List<String> channels;

	private final int[] slots;

	private final int rate;

	private final Duration timeout;

	private final ClientResources resources;

	private final RedisClient client;

	private final Map<String, NodeConnection> nodes = new ConcurrentHashMap<>();

	private final Set<String> known = ConcurrentHashMap.newKeySet();

	private final AtomicReferenceArray<String> owners = new AtomicReferenceArray<>(SlotHash.SLOT_COUNT);

	private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);

	private final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();

	private final ConcurrentLinkedQueue<Integer> probes = new ConcurrentLinkedQueue<>();

	private final Map<String, Integer> indexes = new HashMap<>();

	private final ScheduledExecutorService router;

	private final AtomicLong sent = new AtomicLong();

	private final AtomicLong acked = new AtomicLong();

	private final AtomicLong failed = new AtomicLong();

	private final AtomicLong moved = new AtomicLong();

	private final AtomicLong skipped = new AtomicLong();

	private final PublisherLoop loop = new PublisherLoop("chaos-publisher", this::run);

	/**
	 * Create a publisher.
	 * @param seeds addresses ({@code host:port}) of cluster nodes
	 * @param channels the channels
	 * @param ledger where sends and acknowledgements are recorded
	 * @param rate messages per second, over all channels
	 * @param timeout connect and command timeout
	 */
	ChaosPublisher(List<String> seeds, List<String> channels, SequenceLedger ledger, int rate, Duration timeout) {
		this.ledger = ledger;
		this.channels = List.copyOf(channels);
		this.slots = channels.stream().mapToInt(SlotHash::getSlot).toArray();
		for (int i = 0; i < channels.size(); i++) {
			this.indexes.put(channels.get(i), i);
		}
		this.rate = rate;
		this.timeout = timeout;
		this.known.addAll(seeds);
		this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(1).build();
		this.client = RedisClient.create(this.resources);
		this.client.setOptions(ClientOptions.builder()
			.autoReconnect(false)
			.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
			.socketOptions(SocketOptions.builder().connectTimeout(timeout).build())
			.timeoutOptions(TimeoutOptions.enabled(timeout))
			.build());
		this.router = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread router = new Thread(task, "chaos-publisher-router");
			router.setDaemon(true);
			return router;
		});
	}

	/**
	 * Load the slot table and start publishing.
	 */
	void start() {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (!refreshRoutes() && System.nanoTime() < deadline) {
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
		}
		this.router.scheduleWithFixedDelay(this::refreshRoutesQuietly, 250, 250, TimeUnit.MILLISECONDS);
		this.loop.start();
	}

	/**
	 * Stop publishing and wait for the answers to what was sent.
	 */
	void stop() {
		this.loop.stop(Duration.ofSeconds(5));
		try {
			// Every command completes (answer or timeout) within the timeout.
			if (this.inFlight.tryAcquire(MAX_IN_FLIGHT, this.timeout.toMillis() * 4, TimeUnit.MILLISECONDS)) {
				this.inFlight.release(MAX_IN_FLIGHT);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public void close() {
		stop();
		this.router.shutdownNow();
		this.nodes.values().forEach(NodeConnection::close);
		this.client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		this.resources.shutdown(0, 2, TimeUnit.SECONDS);
	}

	/**
	 * Publish one more message to each of these channels at once, ahead of the round-robin (with the next
	 * sequence number, like any other): a probe that shows when a channel receives again without waiting for its
	 * next turn.
	 * @param names the channels
	 */
	void probe(Iterable<String> names) {
		for (String name : names) {
			this.probes.add(this.indexes.get(name));
		}
		this.loop.wake();
	}

	String stats() {
		return "sent=" + this.sent.get() + ", acked=" + this.acked.get() + ", failed=" + this.failed.get() + ", moved="
				+ this.moved.get() + ", skipped=" + this.skipped.get() + ", failures " + this.failures;
	}

	long sentCount() {
		return this.sent.get();
	}

	private void run() {
		long started = System.nanoTime();
		long issued = 0;
		int next = 0;
		while (this.loop.isRunning()) {
			for (Integer probe = this.probes.poll(); probe != null; probe = this.probes.poll()) {
				publish(probe, true);
			}
			long due = (System.nanoTime() - started) * this.rate / 1_000_000_000L;
			if (due - issued > this.rate) {
				// Fell behind by more than a second (a stalled machine): do not burst to catch up.
				issued = due - this.rate / 10;
			}
			while (issued < due && this.loop.isRunning()) {
				int index = next;
				next = (next + 1) % this.channels.size();
				issued++;
				publish(index, false);
			}
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
		}
	}

	private void publish(int index, boolean probe) {
		String channel = this.channels.get(index);
		int slot = this.slots[index];
		String owner = this.owners.get(slot);
		StatefulRedisConnection<String, String> connection = (owner != null) ? node(owner).ready() : null;
		if (connection == null || !this.inFlight.tryAcquire()) {
			this.skipped.incrementAndGet();
			return;
		}
		SequenceLedger.Channel record = this.ledger.channel(channel);
		int seq = record.publish(this.ledger.now(), probe);
		this.sent.incrementAndGet();
		try {
			connection.async().spublish(channel, Integer.toString(seq)).whenComplete((receivers, error) -> {
				this.inFlight.release();
				if (error == null) {
					record.outcome(seq, SequenceLedger.ACKED);
					this.acked.incrementAndGet();
				}
				else {
					record.outcome(seq, SequenceLedger.FAILED);
					this.failed.incrementAndGet();
					this.failures.computeIfAbsent(kind(error), (key) -> new AtomicLong()).incrementAndGet();
					redirected(slot, error);
				}
			});
		}
		catch (RuntimeException ex) {
			this.inFlight.release();
			record.outcome(seq, SequenceLedger.FAILED);
			this.failed.incrementAndGet();
		}
	}

	private static String kind(Throwable error) {
		String message = String.valueOf(error.getMessage());
		int space = message.indexOf(' ');
		return error.getClass().getSimpleName() + ":" + ((space > 0) ? message.substring(0, space) : message);
	}

	private void redirected(int slot, Throwable error) {
		if (error instanceof RedisCommandExecutionException && error.getMessage() != null
				&& error.getMessage().startsWith("MOVED ")) {
			String[] parts = error.getMessage().split(" ");
			if (parts.length >= 3) {
				this.moved.incrementAndGet();
				this.owners.set(slot, parts[2]);
				this.known.add(parts[2]);
			}
		}
	}

	private void refreshRoutesQuietly() {
		try {
			refreshRoutes();
		}
		catch (RuntimeException ex) {
			logger.debug("Route refresh failed: {}", ex.toString());
		}
	}

	/**
	 * Ask every known node for {@code CLUSTER SLOTS} and take, for each slot, the owner most answers name (a node
	 * that was paused or partitioned may still claim slots it lost).
	 * @return whether some node answered
	 */
	private boolean refreshRoutes() {
		Map<String, CompletableFuture<List<Object>>> answers = new HashMap<>();
		for (String address : List.copyOf(this.known)) {
			StatefulRedisConnection<String, String> connection = node(address).ready();
			if (connection != null) {
				answers.put(address, connection.async().clusterSlots().toCompletableFuture());
			}
		}
		List<String[]> views = new ArrayList<>();
		for (CompletableFuture<List<Object>> answer : answers.values()) {
			try {
				List<Object> reply = answer.get(this.timeout.toMillis() * 2, TimeUnit.MILLISECONDS);
				String[] view = new String[SlotHash.SLOT_COUNT];
				for (ClusterSlotRange range : ClusterSlotsParser.parse(reply)) {
					RedisURI uri = range.getUpstream().getUri();
					String address = uri.getHost() + ":" + uri.getPort();
					this.known.add(address);
					for (int slot = range.getFrom(); slot <= range.getTo(); slot++) {
						view[slot] = address;
					}
					for (var replica : range.getReplicaNodes()) {
						this.known.add(replica.getUri().getHost() + ":" + replica.getUri().getPort());
					}
				}
				views.add(view);
			}
			catch (Exception ex) {
				// Dead, paused or not answering in time: its view does not count.
			}
		}
		if (views.isEmpty()) {
			return false;
		}
		Map<String, Integer> votes = new HashMap<>();
		for (int slot = 0; slot < SlotHash.SLOT_COUNT; slot++) {
			votes.clear();
			String best = null;
			int bestVotes = 0;
			for (String[] view : views) {
				if (view[slot] != null) {
					int count = votes.merge(view[slot], 1, Integer::sum);
					if (count > bestVotes) {
						best = view[slot];
						bestVotes = count;
					}
				}
			}
			if (best != null) {
				this.owners.set(slot, best);
			}
		}
		return true;
	}

	private NodeConnection node(String address) {
		return this.nodes.computeIfAbsent(address, NodeConnection::new);
	}

	/**
	 * The connection to one node, opened in the background and again (after a short delay) once it is lost.
	 */
	private final class NodeConnection {

		private final RedisURI uri;

		private StatefulRedisConnection<String, String> connection;

		private boolean connecting;

		private long retryAfterNanos;

		private boolean closed;

		NodeConnection(String address) {
			int colon = address.lastIndexOf(':');
			this.uri = RedisURI.builder()
				.withHost(address.substring(0, colon))
				.withPort(Integer.parseInt(address.substring(colon + 1)))
				.withTimeout(ChaosPublisher.this.timeout)
				.withClientName("chaos-publisher")
				.build();
		}

		synchronized StatefulRedisConnection<String, String> ready() {
			if (this.connection != null) {
				if (this.connection.isOpen()) {
					return this.connection;
				}
				this.connection.closeAsync();
				this.connection = null;
				this.retryAfterNanos = System.nanoTime() + RECONNECT_DELAY_NANOS;
			}
			if (!this.connecting && !this.closed && System.nanoTime() >= this.retryAfterNanos) {
				this.connecting = true;
				ChaosPublisher.this.client.connectAsync(StringCodec.UTF8, this.uri).whenComplete(this::connected);
			}
			return null;
		}

		private synchronized void connected(StatefulRedisConnection<String, String> opened, Throwable error) {
			this.connecting = false;
			if (error != null) {
				this.retryAfterNanos = System.nanoTime() + RECONNECT_DELAY_NANOS;
			}
			else if (this.closed) {
				opened.closeAsync();
			}
			else {
				this.connection = opened;
			}
		}

		synchronized void close() {
			this.closed = true;
			if (this.connection != null) {
				this.connection.closeAsync();
			}
		}

	}

}
