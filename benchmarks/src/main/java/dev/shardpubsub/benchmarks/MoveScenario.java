package dev.shardpubsub.benchmarks;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.lettuce.core.cluster.SlotHash;

import dev.shardpubsub.test.EmbeddedRedisCluster;
import dev.shardpubsub.test.RedisNode;
import dev.shardpubsub.test.Waits;

/**
 * The side-by-side run: the starter's application ({@link AppMain}) and node-redis, each in a process of its own,
 * subscribed to the same channel, a publisher in its own JVM, and every disruption driven by {@code redis-cli} and
 * {@code kill} processes: planned moves of the empty slot, reshards of the slot with its keys,
 * {@code CLUSTER FAILOVER}s and kill -9 of its master. Repeated in rounds, each with fresh processes, so that
 * every round has a first move after start.
 */
final class MoveScenario {

	private final EmbeddedRedisCluster cluster;

	private final RedisCli cli;

	private final SuiteSettings settings;

	private final PrintStream out;

	private Events events;

	final String channel;

	final int slot;

	MoveScenario(EmbeddedRedisCluster cluster, RedisCli cli, SuiteSettings settings, PrintStream out) {
		this.cluster = cluster;
		this.cli = cli;
		this.settings = settings;
		this.out = out;
		this.channel = channelInSlotZero();
		this.slot = SlotHash.getSlot(this.channel);
	}

	/**
	 * Slot 0 is the lowest slot of whichever master owns it, so {@code redis-cli --cluster reshard --cluster-slots 1}
	 * from that master moves exactly this slot.
	 */
	private static String channelInSlotZero() {
		for (int i = 0;; i++) {
			String channel = "bench:{" + Integer.toString(i, 36) + "}";
			if (SlotHash.getSlot(channel) == 0) {
				return channel;
			}
		}
	}

	/**
	 * Run every round: each with a fresh application JVM, a fresh node-redis and a fresh publisher.
	 * @return what each round recorded
	 * @throws Exception if a round failed
	 */
	List<Outcome> run() throws Exception {
		List<Outcome> outcomes = new ArrayList<>();
		for (int round = 1; round <= this.settings.rounds(); round++) {
			progress("round %d of %d", round, this.settings.rounds());
			outcomes.add(round(round));
		}
		return outcomes;
	}

	private Outcome round(int round) throws Exception {
		int capacity = this.settings.rate() * 600;
		String nodes = String.join(",", this.cluster.nodes().stream().map(RedisNode::address).toList());
		Path publishFile = this.settings.out().resolve("published.bin").toAbsolutePath();
		this.events = new Events(round);
		try (SubscriberProcess ours = SubscriberProcess.ours(nodes, this.channel, this.settings.channels(), capacity,
				this.settings.out().resolve("ours.bin").toAbsolutePath(), this.out);
				SubscriberProcess theirs = this.settings.peer() ? SubscriberProcess.nodeRedis(this.settings.nodeDir(),
						nodes, this.channel, capacity, this.settings.out().resolve("node-redis.bin").toAbsolutePath(),
						this.out) : null;
				ChildProcess publisher = ChildProcess.start("publisher",
						ChildProcess.java(PublisherMain.class, List.of("-Xmx256m"), List.of(nodes, this.channel,
								Integer.toString(this.settings.rate()), Integer.toString(capacity),
								publishFile.toString())),
						null, this.out)) {
			publisher.await("PUBLISHING", Duration.ofSeconds(60));
			this.events.idle("publishing before the first event");
			sleep(2000);
			disrupt();
			this.events.idle("publishing stopped");
			publisher.send("stop");
			publisher.await("DONE", Duration.ofSeconds(60));
			sleep(500);
			PublishLog published = PublishLog.readFrom(publishFile);
			Files.deleteIfExists(publishFile);
			return new Outcome(round, this.events.all(), published, ours.counts(),
					(theirs != null) ? theirs.counts() : null, ours.printed("MOVED"));
		}
	}

	private void disrupt() {
		for (int i = 0; i < this.settings.warmupMoves(); i++) {
			plannedMove(-1);
		}
		for (int i = 0; i < this.settings.planned(); i++) {
			plannedMove(i);
		}
		if (this.settings.reshards() > 0) {
			this.events.idle("loading keys");
			loadKeys();
			for (int i = 0; i < this.settings.reshards(); i++) {
				reshard(i);
			}
			this.events.idle("deleting keys");
			deleteKeys();
		}
		for (int i = 0; i < this.settings.failovers(); i++) {
			failover(i);
		}
		for (int i = 0; i < this.settings.kills(); i++) {
			kill(i);
		}
	}

	/** The sequence {@code redis-cli --cluster reshard} sends for a slot without keys, one process per command. */
	private void plannedMove(int index) {
		RedisNode source = owner();
		RedisNode target = nextMaster(source);
		String detail = source.address() + " -> " + target.address();
		if (index >= 0) {
			this.events.begin(Events.PLANNED, index, detail);
		}
		else {
			this.events.idle("warm-up move " + detail);
		}
		this.cli.moveEmptySlot(this.slot, source, target, this.cluster.masters());
		settle(detail);
	}

	private void loadKeys() {
		RedisNode owner = owner();
		Map<String, String> batch = new HashMap<>();
		for (int i = 0; i < this.settings.keys(); i++) {
			batch.put(key(i), "value-" + i);
			if (batch.size() == 500 || i == this.settings.keys() - 1) {
				owner.commands().mset(batch);
				batch.clear();
			}
		}
		progress("%d keys in slot %d on %s", owner.commands().clusterCountKeysInSlot(this.slot), this.slot,
				owner.address());
		sleep(this.settings.quietMillis());
	}

	private void deleteKeys() {
		RedisNode owner = owner();
		String[] keys = new String[this.settings.keys()];
		for (int i = 0; i < keys.length; i++) {
			keys[i] = key(i);
		}
		owner.commands().del(keys);
		sleep(this.settings.quietMillis());
	}

	private String key(int i) {
		return "key:" + this.channel.substring(this.channel.indexOf('{')) + ":" + i;
	}

	private void reshard(int index) {
		RedisNode source = owner();
		RedisNode target = nextMaster(source);
		String detail = source.address() + " -> " + target.address();
		this.events.begin(Events.RESHARD, index, detail);
		long start = System.nanoTime();
		this.cli.reshard(source.port(), source.nodeId(), target.nodeId(), 1, this.settings.pipeline());
		long took = (System.nanoTime() - start) / 1_000_000;
		if (owner() != target) {
			throw new IllegalStateException("redis-cli --cluster reshard did not move slot " + this.slot + " to "
					+ target.address() + "; owner: " + owner().address());
		}
		settle(detail + String.format(Locale.ROOT, ", %d keys, redis-cli took %d ms",
				target.commands().clusterCountKeysInSlot(this.slot), took));
	}

	private void failover(int index) {
		RedisNode master = owner();
		RedisNode replica = this.cluster.operations().replicasOf(master).get(0);
		String detail = master.address() + " -> " + replica.address();
		this.events.begin(Events.FAILOVER, index, detail);
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		long nextAttempt = 0;
		while (!replica.isMaster()) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException(replica + " was not promoted");
			}
			if (System.nanoTime() >= nextAttempt) {
				// a manual failover the master does not join within 5 s is dropped by the server: ask again
				this.cli.call(replica.port(), "CLUSTER", "FAILOVER");
				nextAttempt = System.nanoTime() + Duration.ofSeconds(6).toNanos();
			}
			sleep(5);
		}
		settle(detail);
	}

	private void kill(int index) {
		RedisNode master = owner();
		RedisNode replica = this.cluster.operations().replicasOf(master).get(0);
		String detail = "kill -9 " + master.address() + ", " + replica.address() + " promoted";
		this.events.begin(Events.KILL, index, detail);
		long killed = System.nanoTime();
		RedisCli.kill(9, master.pid());
		this.cluster.operations().awaitAgreement(Duration.ofSeconds(30));
		long promoted = System.nanoTime();
		// node-redis needs seconds after the promotion: keep the window open long enough to see it recover.
		sleep(Math.max(6000, this.settings.quietMillis()));
		this.events.idle("restarting " + master.address());
		this.cluster.operations().restart(master);
		progress("%s #%d: %s after %d ms", Events.KILL, index, detail, (promoted - killed) / 1_000_000);
		sleep(this.settings.quietMillis());
	}

	private void settle(String detail) {
		this.cluster.operations().awaitAgreement(Duration.ofSeconds(30));
		progress("%s", detail);
		sleep(this.settings.quietMillis());
	}

	private RedisNode owner() {
		return this.cluster.ownerOf(this.slot);
	}

	private RedisNode nextMaster(RedisNode owner) {
		return nextMaster(this.cluster, owner);
	}

	/** The master after this one by port, cycling. */
	static RedisNode nextMaster(EmbeddedRedisCluster cluster, RedisNode owner) {
		List<RedisNode> masters = new ArrayList<>(cluster.masters());
		masters.sort((a, b) -> Integer.compare(a.port(), b.port()));
		return masters.get((masters.indexOf(owner) + 1) % masters.size());
	}

	private void progress(String format, Object... args) {
		this.out.printf(Locale.ROOT, "[%s] %s%n", LocalTime.now().withNano(0), String.format(Locale.ROOT, format, args));
	}

	static void sleep(long millis) {
		Waits.sleep(Duration.ofMillis(millis));
	}

	/**
	 * What a round recorded.
	 *
	 * @param round its number, from 1
	 * @param events the disruptions
	 * @param published what the publisher did
	 * @param ours how many times the starter's listener received each number
	 * @param theirs how many times node-redis received each number, or {@code null} without the peer
	 * @param moves the application's {@code MOVED} lines (slot, gap µs, detected nanos, reason)
	 */
	record Outcome(int round, List<Events.Event> events, PublishLog published, byte[] ours, byte[] theirs,
			List<String> moves) {

	}

}
