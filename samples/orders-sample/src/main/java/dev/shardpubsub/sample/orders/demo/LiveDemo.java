package dev.shardpubsub.sample.orders.demo;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.lettuce.core.cluster.SlotHash;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

import dev.shardpubsub.test.EmbeddedRedisCluster;

/**
 * The live demo ({@code ./demo}): an embedded 3-master/3-replica cluster, the sample app on it in a JVM of its own,
 * a publisher in this JVM, and meanwhile a reshard with keys, a {@code CLUSTER FAILOVER}, a {@code kill -9} and
 * restart, a scale-out and a scale-in; one table row per event, a summary, exit status 1 if a channel stayed deaf
 * or a message arrived twice.
 */
public final class LiveDemo {

	private static final int KEYS_PER_CHANNEL = 10;

	private static final int SPREAD_KEYS = 20_000;

	private final DemoOptions options;

	private final PrintStream out = System.out;

	private final Path work;

	private final AtomicBoolean stopping = new AtomicBoolean();

	private volatile DemoCluster cluster;

	private volatile AppProcess app;

	private volatile DemoPublisher publisher;

	private List<String> channels;

	private final Totals totals = new Totals();

	private LiveDemo(DemoOptions options, Path work) {
		this.options = options;
		this.work = work;
	}

	/**
	 * Run the demo.
	 * @param args the options ({@link DemoOptions#USAGE})
	 * @return the exit status
	 */
	public static int run(String[] args) throws Exception {
		DemoOptions options = DemoOptions.parse(args);
		if (options.help) {
			System.out.println(DemoOptions.USAGE);
			return 0;
		}
		((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
		// The demo's own clients lose nodes on purpose; what the app does is in its log.
		((Logger) LoggerFactory.getLogger("io.lettuce")).setLevel(Level.OFF);
		((Logger) LoggerFactory.getLogger("dev.shardpubsub")).setLevel(Level.ERROR);
		Path work = Files.createDirectories(Path.of("target", "demo").toAbsolutePath());
		LiveDemo demo = new LiveDemo(options, work);
		Thread cleanup = new Thread(() -> {
			if (!demo.stopping.get()) {
				System.out.println();
				System.out.println("Interrupted: stopping the publisher, the app and the cluster ...");
			}
			demo.stopAll();
		}, "demo-cleanup");
		Runtime.getRuntime().addShutdownHook(cleanup);
		try {
			return demo.run();
		}
		catch (Exception ex) {
			System.out.println();
			System.out.println("The demo failed: " + ex.getMessage());
			System.out.println("Logs: " + work);
			return 2;
		}
		finally {
			demo.stopAll();
			Runtime.getRuntime().removeShutdownHook(cleanup);
		}
	}

	private int run() throws Exception {
		this.cluster = startCluster();
		this.out.println("Starting the sample app on it (java -jar orders-sample.jar --spring.profiles.active=demo) ...");
		long started = System.nanoTime();
		this.app = AppProcess.start(jar(), this.cluster.nodesProperty(), Ports.freeHttpPort(), this.work.resolve("app.log"));
		int subscribed = this.app.awaitReady(Duration.ofSeconds(120));
		this.out.printf("  app ready in %.1f s (pid %d): %d channels subscribed; %s/actuator/shardsubscriptions, "
				+ "%s/actuator/health%n", seconds(started), this.app.pid(), subscribed, this.app.url(), this.app.url());
		List<String> templates = readChannels();
		this.cluster.set(keys());
		this.publisher = new DemoPublisher(this.cluster.nodesProperty(), this.channels, templates, this.options.rate,
				"lettuce".equals(this.options.publisher));
		this.publisher.start();
		this.out.printf("  publishing from the demo's own cluster client (%s); try also: curl -H 'Content-Type: "
				+ "application/json' -d '{\"id\":1,\"region\":\"eu\",\"amount\":100}' %s/orders/orders.7%n",
				"lettuce".equals(this.options.publisher) ? "plain Lettuce" : "the starter's ShardPublisher",
				this.app.url());
		EventTable table = new EventTable(this.out);
		table.header(this.channels.size(), this.options.rate);
		long end = System.nanoTime() + this.options.duration.toNanos();
		int pass = 0;
		do {
			pass++;
			runPass(table, pass);
		}
		while (System.nanoTime() < end && !this.stopping.get());
		return summary(table);
	}

	private DemoCluster startCluster() throws Exception {
		if (this.options.nodes != null) {
			this.out.println("Using the cluster at " + this.options.nodes);
			DemoCluster existing = new DemoCluster(null, List.of(this.options.nodes.split(",")),
					RedisCli.find(null, this.work.resolve("redis-cli.log")), null, this.work);
			this.out.println("  " + existing.serverVersion() + "; cluster tool: "
					+ ((existing.cli() != null) ? existing.cli().executable() : "none (no reshard)"));
			this.out.println("  The demo writes " + (KEYS_PER_CHANNEL * 300 + SPREAD_KEYS) + " keys (demo:stock:* and "
					+ "{<channel>}:stock:*, deleted at the end), reshards slots and fails a master over.");
			return existing;
		}
		String server = ServerBinary.resolve(this.options.server);
		this.out.println("Starting an embedded Redis Cluster: 3 masters + 3 replicas of " + server + " ...");
		long started = System.nanoTime();
		Thread progress = progress("  starting");
		EmbeddedRedisCluster embedded;
		try {
			embedded = EmbeddedRedisCluster.builder().masters(3).replicasPerMaster(1).redisServer(server)
				.directory(this.work.resolve("cluster")).start();
		}
		finally {
			progress.interrupt();
		}
		DemoCluster started_ = new DemoCluster(embedded, List.of(), RedisCli.find(server,
				this.work.resolve("redis-cli.log")), server, this.work);
		this.out.printf("%n  %s ready in %.1f s: %s%n  cluster tool: %s%n", started_.serverVersion(), seconds(started),
				embedded.nodesProperty(), (started_.cli() != null) ? started_.cli().executable() : "none");
		return started_;
	}

	private Thread progress(String label) {
		Thread thread = new Thread(() -> {
			long start = System.nanoTime();
			try {
				while (true) {
					Thread.sleep(1000);
					this.out.printf("%s ... %.0f s", (seconds(start) < 1.5) ? label : "", seconds(start));
					this.out.flush();
				}
			}
			catch (InterruptedException ex) {
				// done
			}
		}, "demo-progress");
		thread.setDaemon(true);
		thread.start();
		return thread;
	}

	private void runPass(EventTable table, int pass) throws Exception {
		boolean quick = this.options.quick;
		long pause = quick ? 300 : 2000;
		if (pass == 1) {
			event(table, "steady publishing, nothing changes", () -> {
				DemoCluster.sleep(quick ? 1000 : 3000);
				return null;
			});
		}
		if (this.cluster.cli() != null) {
			event(table, null, () -> this.cluster.reshard(quick ? 400 : 1000));
			DemoCluster.sleep(pause);
		}
		event(table, null, this.cluster::failover);
		DemoCluster.sleep(pause);
		if (!this.cluster.isEmbedded()) {
			return;
		}
		event(table, null, this.cluster::kill);
		DemoCluster.sleep(pause);
		event(table, null, this.cluster::restart);
		DemoCluster.sleep(pause);
		if (this.cluster.cli() != null) {
			event(table, null, () -> this.cluster.scaleOut(quick ? 0.05 : 1.0));
			DemoCluster.sleep(pause);
			event(table, null, this.cluster::scaleIn);
			DemoCluster.sleep(pause);
		}
	}

	/**
	 * One event: open a window in the app, run the operation, wait until every channel received a message
	 * published after it, read the window.
	 */
	private void event(EventTable table, String description, Callable<String> operation) throws Exception {
		if (this.stopping.get()) {
			return;
		}
		ClusterNodes before = this.cluster.read();
		long[] startSeqs = this.publisher.lastSeqs();
		this.app.post("/live/window");
		this.publisher.openWindow();
		long started = System.nanoTime();
		String detail = operation.call();
		long took = (System.nanoTime() - started) / 1_000_000;
		long[] endSeqs = this.publisher.lastSeqs();
		ClusterNodes after = this.cluster.read();
		Set<String> affected = new HashSet<>();
		for (String channel : this.channels) {
			int slot = SlotHash.getSlot(channel);
			if (before.ownerOf(slot) != null && !before.ownerOf(slot).equals(after.ownerOf(slot))) {
				affected.add(channel);
			}
		}
		List<String> deaf = awaitReceivedAfter(endSeqs, Duration.ofSeconds(this.options.quick ? 15 : 30));
		JsonNode silences = this.app.get("/live/window");
		long silence = 0;
		long publishWait = 0;
		for (String channel : affected.isEmpty() ? this.channels : affected) {
			JsonNode value = silences.get(channel);
			silence = Math.max(silence, (value != null) ? value.asLong() : 0);
			publishWait = Math.max(publishWait, this.publisher.longestWaitMillis(this.channels.indexOf(channel)));
		}
		DemoCluster.sleep(300);
		this.publisher.awaitAnswered(5_000, false);
		Counts counts = count(startSeqs, endSeqs);
		EventTable.Row row = new EventTable.Row((description != null) ? description : detail, took, affected.size(),
				silence, publishWait, counts.sent, counts.received, counts.lost, counts.duplicates, deaf);
		table.add(row);
		this.totals.deaf.addAll(deaf);
		this.totals.ranges.add(new long[][] { startSeqs, endSeqs });
	}

	private List<String> awaitReceivedAfter(long[] seqs, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		List<String> behind = new ArrayList<>(this.channels);
		while (!behind.isEmpty() && System.nanoTime() < deadline) {
			JsonNode highest = this.app.get("/live/highest");
			behind.removeIf((channel) -> {
				JsonNode value = highest.get(channel);
				return value != null && value.asLong() > seqs[this.channels.indexOf(channel)];
			});
			if (!behind.isEmpty()) {
				DemoCluster.sleep(50);
			}
		}
		return behind;
	}

	// Per channel, the numbers in (from, to]: sent (acknowledged), lost (sent, never received), received twice.
	private Counts count(long[] fromExclusive, long[] toInclusive) {
		JsonNode receipts = this.app.get("/live/receipts");
		Counts counts = new Counts();
		for (int i = 0; i < this.channels.size(); i++) {
			long from = fromExclusive[i];
			long to = toInclusive[i];
			counts.sent += to - from - this.publisher.failedBetween(i, from, to);
			JsonNode channel = receipts.get(this.channels.get(i));
			long highest = (channel != null) ? channel.get("highest").asLong() : 0;
			counts.lost += lost(i, Math.max(highest, from), to);
			if (channel == null) {
				continue;
			}
			for (JsonNode range : channel.get("missing")) {
				counts.lost += lost(i, Math.max(range.get(0).asLong() - 1, from), Math.min(range.get(1).asLong(), to));
			}
			for (JsonNode seq : channel.get("duplicated")) {
				if (seq.asLong() > from && seq.asLong() <= to) {
					counts.duplicates++;
				}
			}
		}
		counts.received = counts.sent - counts.lost + counts.duplicates;
		return counts;
	}

	private long lost(int channel, long fromExclusive, long toInclusive) {
		long lost = 0;
		for (long seq = fromExclusive + 1; seq <= toInclusive; seq++) {
			if (!this.publisher.failed(channel, seq)) {
				lost++;
			}
		}
		return lost;
	}

	private List<String> readChannels() {
		JsonNode groups = this.app.get("/live/channels");
		List<String> names = new ArrayList<>();
		List<String> templates = new ArrayList<>();
		Map<String, String> byGroup = Map.of("orders", "{\"id\":%d,\"region\":\"eu\",\"amount\":1250}", "payments",
				"{\"id\":%d,\"order\":\"o-42\",\"cents\":1250}", "shipments", "{\"id\":%d,\"carrier\":\"post\"}");
		for (Map.Entry<String, JsonNode> group : groups.properties()) {
			for (JsonNode channel : group.getValue()) {
				names.add(channel.asString());
				templates.add(byGroup.getOrDefault(group.getKey(), "{\"id\":%d}"));
			}
		}
		this.channels = names;
		return templates;
	}

	// Keys in most slots and in every channel's slot, so that a reshard moves keys as well.
	private List<String> keys() {
		List<String> keys = new ArrayList<>();
		for (String channel : this.channels) {
			for (int i = 0; i < KEYS_PER_CHANNEL; i++) {
				keys.add("{" + channel + "}:stock:" + i);
			}
		}
		for (int i = 0; i < SPREAD_KEYS; i++) {
			keys.add("demo:stock:" + i);
		}
		return keys;
	}

	private int summary(EventTable table) {
		this.publisher.stop();
		if (!this.cluster.isEmbedded()) {
			this.cluster.delete(keys());
		}
		this.publisher.awaitAnswered(5_000, true);
		DemoCluster.sleep(500);
		long[] zero = new long[this.channels.size()];
		Counts all = count(zero, this.publisher.lastSeqs());
		long worst = table.rows().stream().skip(1).mapToLong(EventTable.Row::silenceMillis).max().orElse(0);
		boolean ok = this.totals.deaf.isEmpty() && all.duplicates == 0;
		this.out.println();
		// Copies or late messages that arrived after an event's row was printed.
		for (int i = 0; i < this.totals.ranges.size(); i++) {
			long[][] range = this.totals.ranges.get(i);
			Counts now = count(range[0], range[1]);
			EventTable.Row row = table.rows().get(i);
			if (now.lost != row.lost() || now.duplicates != row.duplicates()) {
				this.out.printf("Counted again at the end: #%d %s: lost %d, dup %d%n", i + 1, row.event(), now.lost,
						now.duplicates);
			}
		}
		this.out.printf("Summary: %d events on %s; %,d sent, %,d received, %,d lost, %,d duplicated, %,d publish "
				+ "errors; every affected channel back within %,d ms at worst.%n", table.rows().size() - 1,
				this.cluster.serverVersion(), all.sent, all.received, all.lost, all.duplicates,
				this.publisher.failures(), worst);
		this.out.println(ok ? "OK: no channel stayed deaf, no message arrived twice."
				: "FAILED: " + (this.totals.deaf.isEmpty() ? "" : this.totals.deaf.size() + " channel(s) stayed deaf "
						+ this.totals.deaf.stream().limit(10).toList() + " ")
						+ ((all.duplicates > 0) ? all.duplicates + " message(s) arrived twice" : "") + " (app log: "
						+ this.app.log() + ")");
		return ok ? 0 : 1;
	}

	private void stopAll() {
		if (!this.stopping.compareAndSet(false, true)) {
			return;
		}
		quietly(this.publisher);
		quietly(this.app);
		quietly(this.cluster);
	}

	private static void quietly(AutoCloseable closeable) {
		if (closeable != null) {
			try {
				closeable.close();
			}
			catch (Exception ex) {
				// stopping anyway
			}
		}
	}

	private static String jar() {
		String command = System.getProperty("sun.java.command", "");
		String jar = command.split(" ")[0];
		if (!jar.endsWith(".jar")) {
			throw new IllegalStateException("Run the demo from the jar: java -jar orders-sample.jar demo");
		}
		return Path.of(jar).toAbsolutePath().toString();
	}

	private static double seconds(long startNanos) {
		return (System.nanoTime() - startNanos) / 1e9;
	}

}
