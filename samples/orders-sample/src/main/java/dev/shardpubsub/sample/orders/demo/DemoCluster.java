package dev.shardpubsub.sample.orders.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.SlotHash;

import dev.shardpubsub.test.EmbeddedRedisCluster;
import dev.shardpubsub.test.RedisNode;
import dev.shardpubsub.test.Waits;

/**
 * The cluster the demo runs against and what it does to it: the embedded one (the test kit's
 * {@link EmbeddedRedisCluster}, 3 masters and 3 replicas) or an existing one; reshards, node additions and removals
 * through {@code redis-cli --cluster}, failovers, crashes and restarts through the kit's operations.
 */
final class DemoCluster implements AutoCloseable {

	private final EmbeddedRedisCluster embedded;

	private final List<String> seeds;

	private final RedisCli cli;

	private final String server;

	private final Path workDirectory;

	private final RedisClient client = RedisClient.create();

	private final Map<String, StatefulRedisConnection<String, String>> connections = new ConcurrentHashMap<>();

	private Process extra;

	private String extraAddress;

	private RedisNode killed;

	DemoCluster(EmbeddedRedisCluster embedded, List<String> seeds, RedisCli cli, String server, Path workDirectory) {
		this.embedded = embedded;
		this.seeds = seeds;
		this.cli = cli;
		this.server = server;
		this.workDirectory = workDirectory;
		this.client.setOptions(ClientOptions.builder().autoReconnect(false).build());
		this.client.setDefaultTimeout(Duration.ofSeconds(5));
	}

	boolean isEmbedded() {
		return this.embedded != null;
	}

	RedisCli cli() {
		return this.cli;
	}

	String nodesProperty() {
		return (this.embedded != null) ? this.embedded.nodesProperty() : String.join(",", this.seeds);
	}

	String serverVersion() {
		String info = commands(seed()).info("server");
		String name = info.contains("valkey_version") ? "Valkey" : "Redis";
		for (String line : info.split("\r?\n")) {
			if (line.startsWith(name.toLowerCase() + "_version:")) {
				return name + " " + line.substring(line.indexOf(':') + 1).trim();
			}
		}
		return name;
	}

	ClusterNodes read() {
		RuntimeException failure = null;
		for (String address : candidates()) {
			try {
				return ClusterNodes.parse(commands(address).clusterNodes());
			}
			catch (RuntimeException ex) {
				this.connections.remove(address);
				failure = ex;
			}
		}
		throw new IllegalStateException("No node of " + nodesProperty() + " answers", failure);
	}

	private List<String> candidates() {
		List<String> addresses = new ArrayList<>();
		if (this.embedded != null) {
			this.embedded.nodes().stream().filter(RedisNode::isRunning).map(RedisNode::address).forEach(addresses::add);
		}
		addresses.addAll(this.seeds);
		return addresses;
	}

	private String seed() {
		for (String address : candidates()) {
			try {
				commands(address).ping();
				return address;
			}
			catch (RuntimeException ex) {
				this.connections.remove(address);
			}
		}
		throw new IllegalStateException("No node of " + nodesProperty() + " answers");
	}

	RedisCommands<String, String> commands(String address) {
		return this.connections.computeIfAbsent(address, (key) -> {
			int colon = key.lastIndexOf(':');
			return this.client.connect(RedisURI.create(key.substring(0, colon), Integer.parseInt(key.substring(colon + 1))));
		}).sync();
	}

	/**
	 * Write keys (value: the key), pipelined per owner.
	 * @param keys the keys
	 */
	void set(List<String> keys) {
		perOwner(keys, (connection, key) -> connection.async().set(key, key));
	}

	/**
	 * Delete keys, pipelined per owner.
	 * @param keys the keys
	 */
	void delete(List<String> keys) {
		perOwner(keys, (connection, key) -> connection.async().del(key));
	}

	private void perOwner(List<String> keys,
			BiFunction<StatefulRedisConnection<String, String>, String, RedisFuture<?>> command) {
		ClusterNodes nodes = read();
		List<RedisFuture<?>> replies = new ArrayList<>();
		for (String key : keys) {
			String owner = nodes.byId(nodes.ownerOf(SlotHash.getSlot(key))).address();
			commands(owner);
			replies.add(command.apply(this.connections.get(owner), key));
		}
		if (!LettuceFutures.awaitAll(Duration.ofSeconds(30), replies.toArray(RedisFuture[]::new))) {
			throw new IllegalStateException("No answer for " + keys.size() + " keys in 30 s");
		}
	}

	/** {@code redis-cli --cluster reshard} of some of the biggest master's slots, with their keys, to the smallest. */
	String reshard(int slots) {
		requireCli("reshard");
		ClusterNodes before = read();
		List<ClusterNodes.Node> masters = new ArrayList<>(before.masters());
		masters.sort((a, b) -> Integer.compare(b.slotCount(), a.slotCount()));
		ClusterNodes.Node from = masters.get(0);
		ClusterNodes.Node to = masters.get(masters.size() - 1);
		this.cli.cluster(300, "reshard", seed(), "--cluster-from", from.id(), "--cluster-to", to.id(),
				"--cluster-slots", Integer.toString(slots), "--cluster-yes");
		awaitAgreement();
		return "reshard " + slots + " slots, " + keysMovedTo(before, to) + " keys " + from.shortName() + " -> "
				+ to.shortName();
	}

	private long keysMovedTo(ClusterNodes before, ClusterNodes.Node target) {
		ClusterNodes after = read();
		long keys = 0;
		for (int slot = 0; slot < 16384; slot++) {
			if (target.id().equals(after.ownerOf(slot)) && !target.id().equals(before.ownerOf(slot))) {
				keys += commands(target.address()).clusterCountKeysInSlot(slot);
			}
		}
		return keys;
	}

	/** {@code CLUSTER FAILOVER} on a replica of the master with the most slots. */
	String failover() {
		ClusterNodes nodes = read();
		ClusterNodes.Node master = nodes.masters().stream()
			.filter((node) -> !nodes.replicasOf(node).isEmpty())
			.max((a, b) -> Integer.compare(a.slotCount(), b.slotCount()))
			.orElseThrow(() -> new IllegalStateException("No master has a replica"));
		ClusterNodes.Node replica = nodes.replicasOf(master).get(0);
		if (this.embedded != null) {
			RedisNode promoted = this.embedded.operations().failover(kitNode(master.address()));
			return "CLUSTER FAILOVER " + master.shortName() + " -> :" + promoted.port();
		}
		commands(replica.address()).clusterFailover(false);
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (!isMaster(replica.address())) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException(replica.address() + " did not take over from " + master.address());
			}
			sleep(50);
		}
		awaitAgreement();
		return "CLUSTER FAILOVER " + master.shortName() + " -> " + replica.shortName();
	}

	private boolean isMaster(String address) {
		Object role = commands(address).role().get(0);
		return "master".equals(String.valueOf(role));
	}

	/** {@code kill -9} of a master (embedded only); returns once its replica took over. */
	String kill() {
		ClusterNodes nodes = read();
		ClusterNodes.Node master = nodes.masters().stream()
			.filter((node) -> !nodes.replicasOf(node).isEmpty() && kitNode(node.address()) != null)
			.findFirst()
			.orElseThrow(() -> new IllegalStateException("No master with a replica to kill"));
		RedisNode node = kitNode(master.address());
		long pid = node.pid();
		this.embedded.operations().kill(node);
		this.connections.remove(master.address());
		this.killed = node;
		RedisNode promoted = this.embedded.operations().awaitFailoverOf(node);
		return "kill -9 " + master.shortName() + " (pid " + pid + "), :" + promoted.port() + " took over";
	}

	/** Start the node killed by {@link #kill()} again; it rejoins as a replica. */
	String restart() {
		RedisNode node = this.killed;
		this.killed = null;
		this.embedded.operations().restart(node);
		return "restart " + ":" + node.port() + ", back as a replica";
	}

	/** A new node: started, {@code --cluster add-node}, {@code --cluster rebalance} (embedded only). */
	String scaleOut(double weight) throws IOException {
		requireCli("add-node");
		int port = Ports.freeNodePort();
		Path directory = Files.createDirectories(this.workDirectory.resolve("node-" + port));
		this.extra = new ProcessBuilder(this.server, "--port", Integer.toString(port), "--bind", "127.0.0.1",
				"--cluster-enabled", "yes", "--cluster-config-file", directory.resolve("nodes.conf").toString(),
				"--cluster-node-timeout", Long.toString(this.embedded.nodeTimeout().toMillis()),
				"--cluster-allow-replica-migration", "no", "--appendonly", "no", "--save", "", "--dir",
				directory.toString(), "--logfile", directory.resolve("redis.log").toString())
			.redirectErrorStream(true)
			.redirectOutput(directory.resolve("stdout.log").toFile())
			.start();
		this.extraAddress = "127.0.0.1:" + port;
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
		while (true) {
			try {
				commands(this.extraAddress).ping();
				break;
			}
			catch (RuntimeException ex) {
				this.connections.remove(this.extraAddress);
				if (System.nanoTime() > deadline || !this.extra.isAlive()) {
					throw new IllegalStateException("The new node on " + this.extraAddress + " did not start", ex);
				}
				sleep(100);
			}
		}
		String seed = seed();
		this.cli.cluster(60, "add-node", this.extraAddress, seed);
		String id = commands(this.extraAddress).clusterMyId();
		awaitKnownEverywhere(id);
		awaitAgreement();
		List<String> args = new ArrayList<>(List.of("rebalance", seed, "--cluster-use-empty-masters"));
		if (weight != 1.0) {
			args.addAll(List.of("--cluster-weight", id + "=" + weight));
		}
		this.cli.cluster(600, args.toArray(String[]::new));
		awaitAgreement();
		ClusterNodes.Node node = read().byId(id);
		return "add-node :" + port + " + rebalance: " + node.slotCount() + " slots to it";
	}

	/** The node added by {@link #scaleOut}: its slots resharded to another master, then {@code --cluster del-node}. */
	String scaleIn() throws InterruptedException {
		ClusterNodes nodes = read();
		ClusterNodes.Node node = nodes.byAddress(this.extraAddress);
		ClusterNodes.Node target = nodes.masters().stream().filter((master) -> !master.id().equals(node.id()))
			.min((a, b) -> Integer.compare(a.slotCount(), b.slotCount())).orElseThrow();
		int slots = node.slotCount();
		String seed = seed();
		if (slots > 0) {
			this.cli.cluster(600, "reshard", seed, "--cluster-from", node.id(), "--cluster-to", target.id(),
					"--cluster-slots", Integer.toString(slots), "--cluster-yes");
			awaitAgreement();
		}
		this.connections.remove(this.extraAddress);
		this.cli.cluster(60, "del-node", seed, node.id());
		// del-node makes every node forget it and resets it (CLUSTER RESET SOFT); the process is ours to stop.
		this.extra.destroy();
		if (!this.extra.waitFor(5, TimeUnit.SECONDS)) {
			this.extra.destroyForcibly();
		}
		this.extra = null;
		awaitAgreement();
		return "reshard " + slots + " slots " + node.shortName() + " -> " + target.shortName() + " + del-node";
	}

	// Until every node lists the new node under its own id (not still in handshake under a temporary one), and the
	// new node sees the cluster up.
	private void awaitKnownEverywhere(String id) {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		List<String> addresses = new ArrayList<>(candidates());
		addresses.add(this.extraAddress);
		for (String address : addresses) {
			while (true) {
				String nodes = commands(address).clusterNodes();
				if (address.equals(this.extraAddress) && !commands(address).clusterInfo().contains("cluster_state:ok")) {
					nodes = "handshake";   // it refuses keys (CLUSTERDOWN) until it sees every slot covered
				}
				if (nodes.contains(id) && !nodes.contains("handshake")) {
					break;
				}
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException(address + " does not know the new node " + id + ":\n" + nodes);
				}
				sleep(50);
			}
		}
	}

	/** Until every node agrees on the slots, no slot is open and all are covered. */
	void awaitAgreement() {
		if (this.embedded != null && this.extra == null) {
			this.embedded.awaitAgreement();
			return;
		}
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
		RedisCli.Result result;
		while (true) {
			result = this.cli.tryCluster(30, "check", seed());
			if (result.exit() == 0 && result.output().contains("All nodes agree")
					&& result.output().contains("All 16384 slots covered") && !result.output().contains("[WARNING]")) {
				return;
			}
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("The cluster did not settle:\n" + result.output());
			}
			sleep(200);
		}
	}

	private void requireCli(String what) {
		if (this.cli == null) {
			throw new IllegalStateException("No redis-cli or valkey-cli next to the server or on the PATH: needed for "
					+ what);
		}
	}

	private RedisNode kitNode(String address) {
		return this.embedded.nodes().stream().filter((node) -> node.address().equals(address)).findFirst()
			.orElse(null);
	}

	static void sleep(long millis) {
		Waits.sleep(Duration.ofMillis(millis));
	}

	@Override
	public void close() {
		try {
			Process node = this.extra;
			if (node != null) {
				node.destroyForcibly();
			}
			if (this.embedded != null) {
				this.embedded.close();
			}
		}
		finally {
			this.connections.values().forEach((connection) -> {
				try {
					connection.closeAsync();
				}
				catch (RuntimeException ex) {
					// going away anyway
				}
			});
			this.client.shutdownAsync(0, 1, TimeUnit.SECONDS);
		}
	}

}
