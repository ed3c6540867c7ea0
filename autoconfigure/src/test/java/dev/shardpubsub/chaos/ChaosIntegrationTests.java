package dev.shardpubsub.chaos;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.models.slots.ClusterSlotRange;
import io.lettuce.core.cluster.models.slots.ClusterSlotsParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.messaging.handler.annotation.Header;

import dev.shardpubsub.annotation.ShardListener;
import dev.shardpubsub.config.ShardListenerEndpointRegistry;
import dev.shardpubsub.event.NodeConnectionLostEvent;
import dev.shardpubsub.event.SubscriptionFailedEvent;
import dev.shardpubsub.event.SubscriptionMovedEvent;
import dev.shardpubsub.listener.ChannelSubscription;
import dev.shardpubsub.listener.ChannelSubscription.State;
import dev.shardpubsub.node.LettuceNodeSubscriptionClient;
import dev.shardpubsub.node.NodeSubscriptionClient;
import dev.shardpubsub.listener.ShardListenerContainer;
import dev.shardpubsub.listener.ShardMessageHeaders;
import dev.shardpubsub.reconcile.ShardSubscriptionReconciler;
import dev.shardpubsub.test.ClientInfo;
import dev.shardpubsub.test.ClusterOperations;
import dev.shardpubsub.test.EmbeddedCluster;
import dev.shardpubsub.test.EmbeddedRedisCluster;
import dev.shardpubsub.test.RedisNode;
import dev.shardpubsub.cluster.NodeAddress;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Chaos under load: while an independent publisher sends sequence-numbered messages to 500 channels spread over
 * all slots, a seeded random sequence of cluster events hits the cluster (slot range reshard with keys,
 * {@code CLUSTER FAILOVER}, kill -9 of a master and its later restart, {@code CLIENT KILL} of our subscription
 * connections, a node paused with SIGSTOP and resumed). After each event:
 * <ul>
 * <li>every channel receives a message published after the event within a bound (planned events:
 * {@code chaos.planned-bound}, 2 s; a crashed or paused master: {@code chaos.crash-bound}, 10 s from the crash);</li>
 * <li>no sequence number arrives twice on a channel;</li>
 * <li>the listener keeps every channel, all {@code SUBSCRIBED};</li>
 * <li>no leaked connection: {@link NodeSubscriptionClient#connectedNodes()} covers every node holding
 * subscriptions and otherwise only live nodes kept connected ({@code shard-pubsub.reconcile.keep-connections}),
 * with exactly one {@code CLIENT LIST} entry named {@code shard-pubsub} per connected node; the JVM thread count
 * is back within 5 of its steady value.</li>
 * <li>no event loses more messages (acknowledged by the server, never received) than {@link LossBounds} allows for
 * its kind: a handful for reshards, failovers and kills, more for a frozen node.</li>
 * </ul>
 * A summary table is printed at the end (and written to {@code target/chaos/}).
 * <p>
 * System properties: {@code chaos.duration} (ISO-8601, default {@code PT90S}: about two minutes with start-up), {@code chaos.seed} (a number or
 * {@code random}; default 42), {@code chaos.rate} (messages per second, default 2500), {@code chaos.channels}
 * (default 500), {@code chaos.events} (the kinds to draw, default
 * {@code RESHARD,FAILOVER,KILL,CLIENT_KILL,PAUSE}), {@code chaos.planned-bound}, {@code chaos.crash-bound}, {@code chaos.redis-timeout} (Boot's
 * {@code spring.data.redis.timeout}, default {@code 2s}). E.g.
 * {@code mvn -B surefire:test -Dtest=ChaosIntegrationTests -Dchaos.duration=PT30M -Dchaos.seed=7}.
 */
@EmbeddedCluster(masters = 3, replicasPerMaster = 1, nodeTimeoutMillis = 1000)
@SpringBootTest(classes = ChaosIntegrationTests.App.class,
		properties = { "spring.data.redis.timeout=${chaos.redis-timeout:2s}",
				"spring.data.redis.connect-timeout=${chaos.redis-connect-timeout:1s}" })
class ChaosIntegrationTests {

	private static final Logger logger = LoggerFactory.getLogger(ChaosIntegrationTests.class);

	static final String LISTENER_ID = "chaos";

	private static final Duration DURATION = Duration.parse(System.getProperty("chaos.duration", "PT90S"));

	private static final long SEED = seed(System.getProperty("chaos.seed", "42"));

	private static final int RATE = Integer.getInteger("chaos.rate", 2500);

	/** The kinds of events to draw from (RESTART and RESUME follow KILL and PAUSE). */
	private static final Set<Kind> EVENTS = java.util.Arrays
		.stream(System.getProperty("chaos.events", "RESHARD,FAILOVER,KILL,CLIENT_KILL,PAUSE").split(","))
		.map(String::trim)
		.map(Kind::valueOf)
		.collect(Collectors.toSet());

	private static final Duration PLANNED_BOUND = Duration
		.parse(System.getProperty("chaos.planned-bound", "PT2S"));

	private static final Duration CRASH_BOUND = Duration.parse(System.getProperty("chaos.crash-bound", "PT10S"));

	/** How long connections and threads may take to return to their steady values. */
	private static final Duration SETTLE = Duration.ofSeconds(15);

	private static final int THREAD_TOLERANCE = 5;

	private static final Duration PUBLISH_TIMEOUT = Duration.ofMillis(500);

	private static final int PROBE_INTERVAL_MILLIS = 25;

	@Autowired
	private SequenceLedger ledger;

	@Autowired
	private ShardEventLog events;

	@Autowired
	private ShardListenerEndpointRegistry registry;

	@Autowired
	private NodeSubscriptionClient nodes;

	@Autowired
	private ShardSubscriptionReconciler reconciler;

	@Value("${shard-pubsub.reconcile.keep-connections:true}")
	private boolean keepConnections;

	private final EmbeddedRedisCluster cluster;

	private final ClusterOperations operations;

	private final List<Row> rows = new ArrayList<>();

	private final List<String> failures = new ArrayList<>();

	private final Random random = new Random(SEED);

	private final EventDeck deck = new EventDeck();

	private ChaosPublisher publisher;

	private int baselineThreads;

	private RedisNode down;

	private int eventsUntilRestart;

	private long duplicatesSoFar;

	/** Published, acknowledged, failed, received: totals over all channels, at the end. */
	private long[] totals = new long[4];

	private long outOfOrder;

	ChaosIntegrationTests(EmbeddedRedisCluster cluster) {
		this.cluster = cluster;
		this.operations = cluster.operations();
	}

	@AfterEach
	void stopPublisher() {
		if (this.publisher != null) {
			this.publisher.close();
		}
	}

	@Test
	void everyChannelKeepsReceivingThroughChaos() throws Exception {
		logger.info("Chaos run: seed={}, duration={}, rate={} msg/s, {} channels, planned bound {} ms, crash bound {} ms",
				SEED, DURATION, RATE, ChaosChannels.COUNT, PLANNED_BOUND.toMillis(), CRASH_BOUND.toMillis());
		assertThat(this.cluster.nodeTimeout()).isEqualTo(Duration.ofMillis(1000));
		awaitOrFail(Duration.ofSeconds(60), "all channels subscribed", this::allSubscribed);
		this.publisher = new ChaosPublisher(
				this.cluster.nodes().stream().map(RedisNode::address).toList(), ChaosChannels.NAMES, this.ledger, RATE,
				PUBLISH_TIMEOUT);
		this.publisher.start();
		Row warmUp = new Row(0, "warm-up", "steady load", this.ledger.now());
		Map<String, Integer> marks = zeroMarks();
		warmUp.done = this.ledger.now();
		awaitRecovery(warmUp, marks, this.ledger.now() + 30_000);
		sleep(2000);
		this.baselineThreads = threadCount();
		checkSteadyState(warmUp);
		this.rows.add(warmUp);
		assertThat(this.failures).as("warm-up").isEmpty();

		long end = System.nanoTime() + DURATION.toNanos();
		try {
			while (System.nanoTime() < end && this.failures.isEmpty()) {
				runEvent(nextKind());
				sleep(1000 + this.random.nextInt(2000));
			}
			if (this.down != null && this.failures.isEmpty()) {
				runEvent(Kind.RESTART);
			}
		}
		catch (RuntimeException ex) {
			logger.error("Chaos event failed", ex);
			this.failures.add("event #" + this.rows.size() + " failed: " + ex);
		}

		// Drain: stop publishing, let what was sent arrive.
		sleep(1000);
		this.publisher.stop();
		sleep(1500);
		attributeLosses();
		String summary = summary();
		System.out.println(summary);
		logger.info("Chaos summary\n{}", summary);
		List<Map.Entry<String, Integer>> losses = this.rows.stream()
			.map((row) -> Map.entry(row.kind, row.lost))
			.toList();
		String line = LossBounds.summaryLine(serverVersion(), losses, this.ledger.duplicates(), this.totals[1]);
		System.out.println(line);
		writeSummary(summary + line + "\n");
		assertThat(this.failures).as("chaos failures (seed " + SEED + ")\n" + summary).isEmpty();
		assertThat(this.ledger.duplicates()).as("duplicate deliveries").isZero();
		assertThat(LossBounds.exceeded(losses)).as("events that lost more than their bound (seed " + SEED + ")\n"
				+ summary).isEmpty();
		assertThat(this.rows.size() - 1).as("events run").isGreaterThanOrEqualTo(minimumEvents());
	}

	private String serverVersion() {
		try {
			String info = this.cluster.nodes().get(0).commands().info("server");
			String name = info.contains("server_name:valkey") ? "valkey-" : "redis-";
			String version = info.lines()
				.filter((line) -> line.startsWith(name.equals("valkey-") ? "valkey_version:" : "redis_version:"))
				.map((line) -> line.substring(line.indexOf(':') + 1).trim())
				.findFirst()
				.orElse("?");
			return name + version;
		}
		catch (RuntimeException ex) {
			return "unknown";
		}
	}

	private static int minimumEvents() {
		return (int) Math.max(1, Math.min(8, DURATION.toSeconds() / 15));
	}

	// Events

	enum Kind {

		RESHARD, FAILOVER, KILL, RESTART, CLIENT_KILL, PAUSE, RESUME

	}

	/**
	 * Draws event kinds from a shuffled deck, so that a short run sees every kind; a node that is down allows no
	 * kill, pause or failover of its shard, and is restarted within two events.
	 */
	private final class EventDeck {

		private final List<Kind> cards = new ArrayList<>();

		Kind draw() {
			if (this.cards.isEmpty()) {
				this.cards.addAll(List.of(Kind.RESHARD, Kind.FAILOVER, Kind.KILL, Kind.CLIENT_KILL, Kind.PAUSE,
						Kind.RESHARD, Kind.FAILOVER, Kind.CLIENT_KILL));
				this.cards.removeIf((kind) -> !EVENTS.contains(kind));
				Collections.shuffle(this.cards, ChaosIntegrationTests.this.random);
			}
			for (int i = 0; i < this.cards.size(); i++) {
				Kind kind = this.cards.get(i);
				if (ChaosIntegrationTests.this.down == null || (kind != Kind.KILL && kind != Kind.PAUSE)) {
					return this.cards.remove(i);
				}
			}
			return this.cards.isEmpty() ? Kind.RESHARD : this.cards.remove(0);
		}

	}

	private Kind nextKind() {
		if (this.down != null) {
			if (this.eventsUntilRestart <= 0) {
				return Kind.RESTART;
			}
			this.eventsUntilRestart--;
		}
		return this.deck.draw();
	}

	private void runEvent(Kind kind) {
		this.operations.awaitAgreement();
		switch (kind) {
			case RESHARD -> reshard();
			case FAILOVER -> failover();
			case KILL -> kill();
			case RESTART -> restart();
			case CLIENT_KILL -> clientKill();
			case PAUSE -> pause();
			default -> throw new IllegalStateException(kind.toString());
		}
	}

	private void reshard() {
		Map<Integer, String> owners = slotOwners();
		List<RedisNode> masters = liveMasters();
		RedisNode source = masters.get(this.random.nextInt(masters.size()));
		List<Integer> channelSlots = new ArrayList<>(ChaosChannels.bySlot().keySet());
		channelSlots.removeIf((slot) -> !source.address().equals(owners.get(slot)));
		int start = this.random.nextInt(channelSlots.size());
		int from = channelSlots.get(start);
		int to = from;
		// Up to three channel slots, contiguous on the source and at most 200 slots wide.
		int wanted = 1 + this.random.nextInt(3);
		for (int i = start + 1; i < channelSlots.size() && i < start + wanted; i++) {
			int candidate = channelSlots.get(i);
			if (candidate - from > 200 || !ownedThrough(owners, source, to, candidate)) {
				break;
			}
			to = candidate;
		}
		int keys = 0;
		for (int slot : ChaosChannels.bySlot().keySet()) {
			if (slot >= from && slot <= to) {
				for (String key : ChaosChannels.keysInSlot(slot, 3)) {
					source.commands().set(key, "v");
					keys++;
				}
			}
		}
		List<RedisNode> targets = new ArrayList<>(masters);
		targets.remove(source);
		RedisNode target = targets.get(this.random.nextInt(targets.size()));
		int channels = ChaosChannels.inSlots(from, to).size();
		Row row = begin(Kind.RESHARD, "slots " + from + "-" + to + " (" + channels + " ch, " + keys + " keys) "
				+ source.address() + " -> " + target.address());
		int moved = this.operations.migrateSlots(from, to, target);
		row.detail += ", " + moved + " keys moved";
		finish(row, PLANNED_BOUND);
	}

	private void failover() {
		List<RedisNode> candidates = liveMasters().stream()
			.filter((master) -> !this.operations.replicasOf(master).isEmpty())
			.toList();
		RedisNode master = candidates.get(this.random.nextInt(candidates.size()));
		Row row = begin(Kind.FAILOVER, master.address());
		RedisNode promoted = this.operations.failover(master);
		row.detail += " -> " + promoted.address();
		finish(row, PLANNED_BOUND);
	}

	private void kill() {
		List<RedisNode> masters = liveMasters();
		RedisNode master = masters.get(this.random.nextInt(masters.size()));
		Row row = begin(Kind.KILL, master.address() + " (kill -9)");
		this.operations.kill(master);
		this.down = master;
		this.eventsUntilRestart = this.random.nextInt(2);
		RedisNode promoted = this.operations.awaitFailoverOf(master, Duration.ofSeconds(30));
		row.detail += " -> " + promoted.address() + " promoted after " + (this.ledger.now() - row.start) + " ms";
		finish(row, crashBound(row));
	}

	private void restart() {
		RedisNode node = this.down;
		Row row = begin(Kind.RESTART, node.address());
		this.operations.restart(node);
		this.down = null;
		row.detail += " (rejoined as " + (node.isMaster() ? "master" : "replica") + ")";
		finish(row, PLANNED_BOUND);
	}

	private void clientKill() {
		// A node holding subscriptions (with keep-connections, idle ones are connected too)
		Set<String> holders = this.registry.channels(LISTENER_ID)
			.stream()
			.map(ChannelSubscription::node)
			.collect(Collectors.toSet());
		Map<RedisNode, List<ClientInfo>> ours = new LinkedHashMap<>();
		for (RedisNode node : liveNodes()) {
			List<ClientInfo> clients = ourClients(node);
			if (!clients.isEmpty() && holders.contains(node.address())) {
				ours.put(node, clients);
			}
		}
		// One whose shard has another live node, where the standby takes over without a command: the bound assumes it.
		// (A master whose only replica is down has no standby; its subscriptions come back after the reconnect, about
		// 30 ms later, which this bound does not cover.) Any node when no shard has a live peer.
		List<RedisNode> candidates = new ArrayList<>(ours.keySet());
		if (candidates.stream().anyMatch(this::hasLivePeer)) {
			candidates.removeIf((candidate) -> !hasLivePeer(candidate));
		}
		RedisNode node = candidates.get(this.random.nextInt(candidates.size()));
		Row row = begin(Kind.CLIENT_KILL, node.address() + " (" + ours.get(node).size() + " conn)");
		for (ClientInfo client : ours.get(node)) {
			node.execute("CLIENT", "KILL", "ID", String.valueOf(client.id()));
		}
		finish(row, PLANNED_BOUND);
	}

	private void pause() {
		// Mostly a master (its replica takes over while it is frozen), sometimes a replica.
		List<RedisNode> masters = liveMasters();
		List<RedisNode> replicas = liveNodes().stream().filter((node) -> !masters.contains(node)).toList();
		boolean master = replicas.isEmpty() || this.random.nextInt(3) > 0;
		RedisNode node = master ? masters.get(this.random.nextInt(masters.size()))
				: replicas.get(this.random.nextInt(replicas.size()));
		int pauseMillis = 3000 + this.random.nextInt(2000);
		Row row = begin(Kind.PAUSE, node.address() + " (" + (master ? "master" : "replica") + ", SIGSTOP "
				+ pauseMillis + " ms)");
		this.operations.pause(node);
		int pausedAt = this.ledger.now();
		try {
			if (master) {
				RedisNode promoted = this.operations.awaitFailoverOf(node, Duration.ofSeconds(30));
				row.detail += " -> " + promoted.address() + " promoted after " + (this.ledger.now() - pausedAt) + " ms";
				finish(row, crashBound(row));
			}
			else {
				finish(row, PLANNED_BOUND);
			}
			sleep(Math.max(0, pausedAt + pauseMillis - this.ledger.now()));
		}
		finally {
			this.operations.resume(node);
		}
		Row resumed = begin(Kind.RESUME, node.address() + " after " + (this.ledger.now() - pausedAt) + " ms");
		this.operations.awaitAgreement();
		resumed.detail += " (now " + (node.isMaster() ? "master" : "replica") + ")";
		finish(resumed, PLANNED_BOUND);
	}

	private Duration crashBound(Row row) {
		// From the crash, but never less than the planned bound after the cluster settled.
		long sinceStart = (long) this.ledger.now() - row.start;
		return Duration.ofMillis(Math.max(CRASH_BOUND.toMillis() - sinceStart, PLANNED_BOUND.toMillis()));
	}

	// Checks after each event

	private Row begin(Kind kind, String detail) {
		Row row = new Row(this.rows.size(), kind.name(), detail, this.ledger.now());
		row.threadsBefore = threadCount();
		logger.info("Chaos event #{} {} {}", row.index, row.kind, row.detail);
		return row;
	}

	/**
	 * The event's action returned: every channel must receive a message published from now on within the bound,
	 * then connections and threads must return to their steady values, and no message may have come twice.
	 */
	private void finish(Row row, Duration bound) {
		row.done = this.ledger.now();
		row.bound = (int) bound.toMillis();
		Map<String, Integer> marks = this.ledger.marks();
		awaitRecovery(row, marks, row.done + row.bound);
		long duplicates = this.ledger.duplicates();
		row.duplicates = duplicates - this.duplicatesSoFar;
		this.duplicatesSoFar = duplicates;
		if (row.duplicates > 0) {
			fail(row, row.duplicates + " duplicate deliveries: " + duplicateDetails());
		}
		checkSteadyState(row);
		this.rows.add(row);
		logger.info("Chaos event #{} {}: recovered in {} ms (bound {} ms), {} connections, {} threads", row.index,
				row.kind, row.recovery, row.bound, row.connections, row.threads);
	}

	private void awaitRecovery(Row row, Map<String, Integer> marks, int deadline) {
		Map<String, Integer> pending = new HashMap<>(marks);
		int slowest = 0;
		String slowestChannel = null;
		int nextProbe = 0;
		while (true) {
			if (this.ledger.now() >= nextProbe) {
				// Probes to the channels still waiting: they show when each receives again, to a few ms.
				this.publisher.probe(List.copyOf(pending.keySet()));
				nextProbe = this.ledger.now() + PROBE_INTERVAL_MILLIS;
			}
			for (var iterator = pending.entrySet().iterator(); iterator.hasNext();) {
				var entry = iterator.next();
				int at = this.ledger.channel(entry.getKey()).firstReceivedFrom(entry.getValue());
				if (at >= 0) {
					iterator.remove();
					if (at - row.done >= slowest) {
						slowest = at - row.done;
						slowestChannel = entry.getKey();
					}
				}
			}
			if (pending.isEmpty() || this.ledger.now() > deadline) {
				break;
			}
			sleep(10);
		}
		row.recovery = slowest;
		row.slowestChannel = slowestChannel;
		if (!pending.isEmpty()) {
			List<String> deaf = new ArrayList<>(new TreeMap<>(pending).keySet());
			Map<String, ChannelSubscription> states = this.registry.channels(LISTENER_ID)
				.stream()
				.collect(Collectors.toMap(ChannelSubscription::channel, (state) -> state));
			String sample = deaf.stream()
				.limit(10)
				.map((channel) -> channel + " slot " + SlotHash.getSlot(channel) + " owner "
						+ this.cluster.ownerOfChannel(channel) + " state " + describe(states.get(channel))
						+ " subscribers " + subscribersByNode(channel))
				.collect(Collectors.joining("\n  "));
			row.recovery = -1;
			fail(row, deaf.size() + " channel(s) received nothing published after the event within " + row.bound
					+ " ms (publisher: " + this.publisher.stats() + "), e.g.\n  " + sample);
		}
	}

	/**
	 * What each running node says about a channel's subscribers ({@code PUBSUB SHARDNUMSUB}), to tell a
	 * subscription the server dropped from one the client never made.
	 */
	private Map<String, Object> subscribersByNode(String channel) {
		Map<String, Object> subscribers = new TreeMap<>();
		for (RedisNode node : liveNodes()) {
			try {
				List<?> reply = (List<?>) node.execute("PUBSUB SHARDNUMSUB", channel);
				subscribers.put(node.address() + (node.isMaster() ? " (master)" : " (replica)"), reply.get(1));
			}
			catch (RuntimeException ex) {
				subscribers.put(node.address(), ex.getMessage());
			}
		}
		return subscribers;
	}

	private void checkSteadyState(Row row) {
		ShardListenerContainer container = this.registry.getListenerContainer(LISTENER_ID);
		if (container == null || !container.isRunning()) {
			fail(row, "listener container " + LISTENER_ID + " is not running");
		}
		boolean handlers = awaitQuietly(SETTLE, this::allSubscribed);
		if (!handlers) {
			List<ChannelSubscription> states = this.registry.channels(LISTENER_ID);
			fail(row, "listener lost channels or they are not all SUBSCRIBED: " + states.size() + " channels, "
					+ states.stream()
						.filter((state) -> state.state() != State.SUBSCRIBED
								|| !state.listenerIds().contains(LISTENER_ID))
						.limit(10)
						.map(ChaosIntegrationTests::describe)
						.toList());
		}
		int settleStart = this.ledger.now();
		boolean connections = awaitQuietly(SETTLE, () -> connectionProblem() == null);
		row.connectionsSettled = this.ledger.now() - settleStart;
		row.connections = this.nodes.connectedNodes().size();
		row.clientListConnections = liveNodes().stream().mapToInt((node) -> ourClients(node).size()).sum();
		if (!connections) {
			fail(row, "node connections did not settle: " + connectionProblem());
		}
		boolean threads = awaitQuietly(SETTLE, () -> threadCount() <= this.baselineThreads + THREAD_TOLERANCE);
		row.threads = threadCount();
		if (this.baselineThreads > 0 && !threads) {
			fail(row, "thread count " + row.threads + " did not return within " + THREAD_TOLERANCE + " of the baseline "
					+ this.baselineThreads + ":\n" + threadNames());
		}
	}

	/**
	 * No leaked connection: every node holding subscriptions has one; any other goes to a running node the starter
	 * keeps connected ({@code shard-pubsub.reconcile.keep-connections}, on by default: every master and replica, so
	 * that a move does not wait for a new connection), none when that is off; each live node shows exactly one
	 * {@code CLIENT LIST} entry named {@code shard-pubsub} per connection.
	 * @return what is wrong, or {@code null}
	 */
	private String connectionProblem() {
		Set<String> holders = this.registry.channels(LISTENER_ID)
			.stream()
			.map(ChannelSubscription::node)
			.filter((node) -> node != null)
			.collect(Collectors.toCollection(HashSet::new));
		Set<String> connected = this.nodes.connectedNodes()
			.stream()
			.map(NodeAddress::toString)
			.collect(Collectors.toCollection(HashSet::new));
		// Kept connections may go to any node still in the cluster: a frozen one is cut only when it fails over
		Set<String> running = this.cluster.nodes()
			.stream()
			.filter(RedisNode::isRunning)
			.map(RedisNode::address)
			.collect(Collectors.toCollection(HashSet::new));
		if (!connected.containsAll(holders)) {
			return "connectedNodes " + connected + " miss holders " + holders;
		}
		Set<String> idle = new TreeSet<>(connected);
		idle.removeAll(holders);
		if (this.keepConnections) {
			idle.removeAll(running);
		}
		if (!idle.isEmpty()) {
			return "connections to " + idle + " that hold nothing"
					+ (this.keepConnections ? " and are no running node" : "") + " (connectedNodes " + connected
					+ ", holders " + holders + ", running " + running + ")";
		}
		Map<String, Integer> clients = new TreeMap<>();
		for (RedisNode node : liveNodes()) {
			clients.put(node.address(), ourClients(node).size());
		}
		for (Map.Entry<String, Integer> entry : clients.entrySet()) {
			int expected = connected.contains(entry.getKey()) ? 1 : 0;
			if (entry.getValue() != expected) {
				return "CLIENT LIST shows " + clients + " shard-pubsub clients, connectedNodes " + connected;
			}
		}
		return null;
	}

	private boolean allSubscribed() {
		List<ChannelSubscription> states = this.registry.channels(LISTENER_ID);
		return states.size() == ChaosChannels.COUNT && states.stream()
			.allMatch((state) -> state.state() == State.SUBSCRIBED && state.listenerIds().contains(LISTENER_ID));
	}

	// Losses and the summary

	private void attributeLosses() {
		List<SequenceLedger.LossRun> runs = new ArrayList<>();
		long[] totals = new long[4];
		for (SequenceLedger.Channel channel : this.ledger.channels()) {
			runs.addAll(channel.lossRuns());
			int[] counts = channel.counts();
			for (int i = 0; i < counts.length; i++) {
				totals[i] += counts[i];
			}
		}
		this.totals = totals;
		Map<Integer, List<ShardEventLog.Entry>> movesBySlot = new HashMap<>();
		for (ShardEventLog.Entry entry : this.events.between(Integer.MIN_VALUE, Integer.MAX_VALUE)) {
			if (entry.event() instanceof SubscriptionMovedEvent moved) {
				movesBySlot.computeIfAbsent(moved.getSlot(), (slot) -> new ArrayList<>()).add(entry);
			}
		}
		for (int i = 0; i < this.rows.size(); i++) {
			Row row = this.rows.get(i);
			int from = (i == 0) ? Integer.MIN_VALUE : row.start;
			int to = (i + 1 < this.rows.size()) ? this.rows.get(i + 1).start : Integer.MAX_VALUE;
			for (SequenceLedger.LossRun run : runs) {
				if (run.firstLostAt() >= from && run.firstLostAt() < to) {
					row.lost += run.lost();
					row.lostProbes += run.lostProbes();
					row.lossChannels++;
					row.lossWindow = Math.max(row.lossWindow, run.window());
					row.lostBy.merge(endedBy(run, movesBySlot), run.lost() + run.lostProbes(), Integer::sum);
				}
			}
			for (SequenceLedger.Channel channel : this.ledger.channels()) {
				for (int at : channel.outOfOrderAt()) {
					if (at >= from && at < to) {
						row.outOfOrder++;
					}
				}
			}
			for (ShardEventLog.Entry entry : this.events.between((i == 0) ? Integer.MIN_VALUE : row.start, to)) {
				if (entry.event() instanceof SubscriptionMovedEvent moved) {
					row.moves.merge(moved.getReason().name(), 1, Integer::sum);
					row.maxGap = Math.max(row.maxGap, (int) moved.getGap().toMillis());
				}
				else if (entry.event() instanceof SubscriptionFailedEvent) {
					row.failedSubscribes++;
				}
				else if (entry.event() instanceof NodeConnectionLostEvent) {
					row.connectionsLost++;
				}
			}
		}
		for (SequenceLedger.Channel channel : this.ledger.channels()) {
			this.outOfOrder += channel.outOfOrder();
		}
	}

	/**
	 * The move that ended a loss run: the move of the channel's slot completed closest to the first message
	 * received again (within a second), by its reason; {@code -} if none (a lost connection resubscribed in place
	 * also counts as a move, RECONNECT).
	 */
	private static String endedBy(SequenceLedger.LossRun run, Map<Integer, List<ShardEventLog.Entry>> movesBySlot) {
		int end = (run.nextReceivedPublishedAt() >= 0) ? run.nextReceivedPublishedAt() : run.lastLostAt();
		String reason = "-";
		int best = Integer.MAX_VALUE;
		for (ShardEventLog.Entry entry : movesBySlot.getOrDefault(SlotHash.getSlot(run.channel()), List.of())) {
			if (entry.publishedAt() >= run.firstLostAt() - 1000 && entry.publishedAt() <= end + 1000) {
				int distance = Math.abs(entry.publishedAt() - end);
				if (distance < best) {
					best = distance;
					reason = abbreviate(((SubscriptionMovedEvent) entry.event()).getReason().name());
				}
			}
		}
		return reason;
	}

	private String summary() {
		StringBuilder out = new StringBuilder();
		out.append(String.format("Chaos run: seed=%d duration=%s rate=%d msg/s channels=%d redis-timeout=%s%n", SEED,
				DURATION, RATE, ChaosChannels.COUNT, System.getProperty("chaos.redis-timeout", "2s")));
		out.append(String.format("%-3s %-11s %7s %7s %9s %6s %7s %5s %4s %8s %-14s %-22s %4s %4s %5s %4s %7s  %s%n",
				"#", "event", "at(s)", "act(ms)", "recov(ms)", "bound", "gap(ms)", "lost", "lch", "deaf(ms)", "lost by",
				"moves", "fail", "dups", "ooo", "conn", "threads", "detail"));
		for (Row row : this.rows) {
			String moves = row.moves.entrySet()
				.stream()
				.map((entry) -> abbreviate(entry.getKey()) + ":" + entry.getValue())
				.collect(Collectors.joining(","));
			String lostBy = row.lostBy.entrySet()
				.stream()
				.map((entry) -> entry.getKey() + ":" + entry.getValue())
				.collect(Collectors.joining(","));
			out.append(String.format("%-3d %-11s %7.1f %7d %9s %6d %7d %5d %4d %8d %-14s %-22s %4d %4d %5d %4s %7s  %s%n",
					row.index, row.kind, row.start / 1000.0, row.done - row.start,
					(row.recovery >= 0) ? Integer.toString(row.recovery) : "FAIL", row.bound, row.maxGap, row.lost,
					row.lossChannels, row.lossWindow, lostBy.isEmpty() ? "-" : lostBy, moves.isEmpty() ? "-" : moves, row.failedSubscribes,
					row.duplicates, row.outOfOrder, row.connections + "/" + row.clientListConnections,
					row.threads + "/" + this.baselineThreads, row.detail
							+ ((row.slowestChannel != null) ? "; slowest " + row.slowestChannel : "")));
		}
		out.append(String.format(
				"published %d (acked %d, failed/unknown %d), received %d distinct, lost %d, duplicates %d "
						+ "(copies dropped by the starter %d), out of order %d; publisher %s%n",
				this.totals[0], this.totals[1], this.totals[2], this.totals[3],
				this.rows.stream().mapToLong((row) -> row.lost).sum(), this.ledger.duplicates(),
				this.reconciler.getDroppedCopyCount(), this.outOfOrder, this.publisher.stats()));
		out.append("columns: act = the action (until the cluster agreed), recov = from then until every channel "
				+ "received a message published after it (max over channels), gap = longest SubscriptionMovedEvent gap, "
				+ "lost/lch = acked but never received (steady stream only) / channels with losses (probes included), lost by = the reason of the move that ended each loss (probes included), deaf = longest loss window (publish time "
				+ "of first lost to first received again), moves by reason (SP=SERVER_PUSH TC=TOPOLOGY_CHANGE "
				+ "RC=RECONNECT CR=CRASH SB=STANDBY UR=UNCOVERED_RETRY), fail = SubscriptionFailedEvents, ooo = received after a higher number, conn = "
				+ "connectedNodes/CLIENT LIST shard-pubsub, threads = now/baseline\n");
		Map<String, Integer> lostBy = new TreeMap<>();
		this.rows.forEach((row) -> row.lostBy.forEach((reason, lost) -> lostBy.merge(reason, lost, Integer::sum)));
		out.append("lost messages by the move that ended the loss: ").append(lostBy.isEmpty() ? "none" : lostBy)
			.append('\n');
		List<String> samples = new ArrayList<>();
		for (SequenceLedger.Channel channel : this.ledger.channels()) {
			channel.outOfOrderSamples().stream().limit(1).forEach((sample) -> samples.add(channel.name + ": " + sample));
		}
		if (!samples.isEmpty()) {
			out.append("out of order, e.g.:\n");
			samples.stream().limit(8).forEach((sample) -> out.append("  ").append(sample).append('\n'));
		}
		if (!this.failures.isEmpty()) {
			out.append("FAILURES:\n");
			this.failures.forEach((failure) -> out.append("  ").append(failure).append('\n'));
		}
		return out.toString();
	}

	private static String abbreviate(String reason) {
		return switch (reason) {
			case "SERVER_PUSH" -> "SP";
			case "TOPOLOGY_CHANGE" -> "TC";
			case "RECONNECT" -> "RC";
			case "CRASH" -> "CR";
			case "STANDBY" -> "SB";
			case "UNCOVERED_RETRY" -> "UR";
			default -> reason;
		};
	}

	private void writeSummary(String summary) {
		try {
			Path directory = Path.of("target", "chaos");
			Files.createDirectories(directory);
			Files.writeString(directory.resolve("chaos-seed" + SEED + "-" + System.currentTimeMillis() + ".txt"),
					summary, StandardCharsets.UTF_8);
		}
		catch (Exception ex) {
			logger.warn("Could not write the chaos summary: {}", ex.toString());
		}
	}

	// Helpers

	private void fail(Row row, String message) {
		String failure = "#" + row.index + " " + row.kind + " (" + row.detail + "): " + message;
		logger.error("Chaos check failed: {}", failure);
		this.failures.add(failure);
	}

	private String duplicateDetails() {
		List<String> details = new ArrayList<>();
		for (SequenceLedger.Channel channel : this.ledger.channels()) {
			if (channel.duplicates() > 0 && details.size() < 10) {
				details.add(channel.name + ": " + channel.duplicateSeqs());
			}
		}
		return details.toString();
	}

	private static String describe(ChannelSubscription state) {
		if (state == null) {
			return "missing";
		}
		return state.channel() + "[" + state.state() + " on " + state.node() + " since " + state.stateSince()
				+ ", listeners " + state.listenerIds() + ", moves " + state.moves() + "]";
	}

	private Map<String, Integer> zeroMarks() {
		Map<String, Integer> marks = new LinkedHashMap<>();
		ChaosChannels.NAMES.forEach((channel) -> marks.put(channel, 0));
		return marks;
	}

	private boolean hasLivePeer(RedisNode node) {
		return !node.isMaster() || this.operations.replicasOf(node).stream().anyMatch(RedisNode::isLive);
	}

	private List<RedisNode> liveNodes() {
		return this.cluster.nodes().stream().filter((node) -> node.isRunning() && !node.isPaused()).toList();
	}

	private List<RedisNode> liveMasters() {
		return this.cluster.masters().stream().filter((node) -> !node.isPaused()).toList();
	}

	private static List<ClientInfo> ourClients(RedisNode node) {
		return node.clientList()
			.stream()
			.filter((client) -> LettuceNodeSubscriptionClient.CLIENT_NAME.equals(client.name()))
			.toList();
	}

	/** The owner address of every slot, from the first live node's {@code CLUSTER SLOTS}. */
	private Map<Integer, String> slotOwners() {
		Map<Integer, String> owners = new HashMap<>();
		RedisNode node = liveNodes().get(0);
		for (ClusterSlotRange range : ClusterSlotsParser.parse(node.commands().clusterSlots())) {
			RedisURI uri = range.getUpstream().getUri();
			for (int slot = range.getFrom(); slot <= range.getTo(); slot++) {
				owners.put(slot, uri.getHost() + ":" + uri.getPort());
			}
		}
		return owners;
	}

	private static boolean ownedThrough(Map<Integer, String> owners, RedisNode source, int from, int to) {
		for (int slot = from; slot <= to; slot++) {
			if (!source.address().equals(owners.get(slot))) {
				return false;
			}
		}
		return true;
	}

	private static int threadCount() {
		return ManagementFactory.getThreadMXBean().getThreadCount();
	}

	private static String threadNames() {
		Map<String, Integer> byName = new TreeMap<>();
		for (Thread thread : Thread.getAllStackTraces().keySet()) {
			byName.merge(thread.getName().replaceAll("\\d+", "#"), 1, Integer::sum);
		}
		return byName.toString();
	}

	private void awaitOrFail(Duration timeout, String what, BooleanSupplier condition) {
		assertThat(awaitQuietly(timeout, condition)).as(what).isTrue();
	}

	private static boolean awaitQuietly(Duration timeout, BooleanSupplier condition) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			try {
				if (condition.getAsBoolean()) {
					return true;
				}
			}
			catch (RuntimeException ex) {
				// A node going away under the check: try again.
			}
			if (System.nanoTime() > deadline) {
				return false;
			}
			sleep(50);
		}
	}

	private static void sleep(long millis) {
		try {
			TimeUnit.MILLISECONDS.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private static long seed(String value) {
		return "random".equals(value) ? new Random().nextLong() & 0xFFFFFFFL : Long.parseLong(value);
	}

	/**
	 * One line of the summary.
	 */
	static final class Row {

		final int index;

		final String kind;

		String detail;

		final int start;

		int done;

		int bound;

		int recovery;

		String slowestChannel;

		int connections;

		int clientListConnections;

		int connectionsSettled;

		int threads;

		int threadsBefore;

		int lost;

		int lossChannels;

		int lostProbes;

		int lossWindow;

		int maxGap;

		final Map<String, Integer> moves = new TreeMap<>();

		int failedSubscribes;

		int connectionsLost;

		int outOfOrder;

		final Map<String, Integer> lostBy = new TreeMap<>();

		Row(int index, String kind, String detail, int start) {
			this.index = index;
			this.kind = kind;
			this.detail = detail;
			this.start = start;
		}

		long duplicates;

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class App {

		@Bean
		SequenceLedger chaosLedger() {
			return new SequenceLedger(ChaosChannels.NAMES);
		}

		@Bean
		ShardEventLog chaosEventLog(SequenceLedger ledger) {
			return new ShardEventLog(ledger);
		}

		@Bean
		ChaosListener chaosListener(SequenceLedger ledger) {
			return new ChaosListener(ledger);
		}

	}

	/**
	 * The application's listener: records every message in the ledger.
	 */
	public static class ChaosListener {

		private final SequenceLedger ledger;

		ChaosListener(SequenceLedger ledger) {
			this.ledger = ledger;
		}

		@ShardListener(id = LISTENER_ID, channels = "#{T(dev.shardpubsub.chaos.ChaosChannels).NAMES}")
		public void onMessage(byte[] payload, @Header(ShardMessageHeaders.CHANNEL) String channel,
				@Header(ShardMessageHeaders.NODE) String node) {
			this.ledger.received(channel, new String(payload, StandardCharsets.US_ASCII), node);
		}

	}

}
