package dev.shardpubsub.test;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import io.lettuce.core.RedisClient;

/**
 * Starts the processes of an {@link EmbeddedRedisCluster} and joins them into a cluster the way
 * {@code redis-cli --cluster create} does, without needing redis-cli.
 */
final class ClusterBootstrap {

	private static final int PORT_ATTEMPTS = 5;

	private final EmbeddedRedisCluster cluster;

	private final EmbeddedRedisClusterBuilder settings;

	private final RedisServerBinary binary;

	private final RedisClient client;

	private final Path baseDirectory;

	ClusterBootstrap(EmbeddedRedisCluster cluster, EmbeddedRedisClusterBuilder settings, RedisServerBinary binary,
			RedisClient client, Path baseDirectory) {
		this.cluster = cluster;
		this.settings = settings;
		this.binary = binary;
		this.client = client;
		this.baseDirectory = baseDirectory;
	}

	/**
	 * Start one process, retrying on another port if someone grabbed ours between the check and the bind.
	 * @return the running node
	 */
	RedisNode startNode() {
		for (int attempt = 1;; attempt++) {
			int port = FreePorts.reserve();
			Path directory = this.baseDirectory.resolve("node-" + port);
			RedisNode node = new RedisNode(this.cluster, port, directory, this.binary, this.client);
			try {
				node.launch(config(port, directory));
				node.awaitReady(this.settings.startupTimeout);
				return node;
			}
			catch (RedisNode.StartupException ex) {
				node.kill();
				FreePorts.release(port);
				if (!ex.isPortInUse() || attempt >= PORT_ATTEMPTS) {
					throw ex;
				}
				deleteRecursively(directory);
			}
		}
	}

	/**
	 * Assign slots evenly to the masters, make the nodes meet, attach the replicas round-robin.
	 * @param nodes the started nodes, masters first
	 */
	void join(List<RedisNode> nodes) {
		int masters = this.settings.masters;
		long epoch = 1;
		for (RedisNode node : nodes) {
			// Distinct epochs up front, as redis-cli does: otherwise the nodes first resolve epoch collisions.
			node.execute("CLUSTER", "SET-CONFIG-EPOCH", Long.toString(epoch++));
		}
		for (int i = 0; i < masters; i++) {
			int from = i * ClusterView.SLOTS / masters;
			int to = (i + 1) * ClusterView.SLOTS / masters - 1;
			nodes.get(i).execute("CLUSTER", "ADDSLOTSRANGE", Integer.toString(from), Integer.toString(to));
		}
		RedisNode first = nodes.get(0);
		for (RedisNode node : nodes.subList(1, nodes.size())) {
			first.commands().clusterMeet(node.host(), node.port());
		}
		Waits.until(this.settings.startupTimeout, "all nodes to know each other", () -> {
			for (RedisNode node : nodes) {
				ClusterView view = ClusterView.parse(node.commands().clusterNodes());
				int known = 0;
				for (ClusterView.Entry entry : view.entries()) {
					if (!entry.flags().contains("handshake") && !entry.flags().contains("noaddr")) {
						known++;
					}
				}
				if (known < nodes.size()) {
					return node + " knows " + known + " of " + nodes.size() + " nodes:\n" + view.raw();
				}
			}
			return null;
		});
		for (int i = masters; i < nodes.size(); i++) {
			RedisNode master = nodes.get((i - masters) % masters);
			nodes.get(i).commands().clusterReplicate(master.nodeId());
		}
	}

	private String config(int port, Path directory) {
		Path absolute = directory.toAbsolutePath();
		List<String> lines = new ArrayList<>(List.of("bind 127.0.0.1", "protected-mode no",
				"daemonize no", "dir " + absolute, "pidfile " + absolute.resolve("redis.pid"), "logfile " + absolute.resolve("redis.log"), "loglevel notice",
				"cluster-enabled yes", "cluster-config-file " + absolute.resolve("nodes.conf"),
				"cluster-port " + (port + FreePorts.BUS_OFFSET),
				"cluster-node-timeout " + this.settings.nodeTimeout.toMillis(),
				"cluster-require-full-coverage " + (this.settings.requireFullCoverage ? "yes" : "no"),
				"cluster-allow-replica-migration no",
				// Let any replica take over however long it was disconnected: tests pause and kill nodes on purpose.
				"cluster-replica-validity-factor 0", "appendonly no", "save \"\"",
				// Replicas sync without the default 5 s wait for more replicas to join the transfer.
				"repl-diskless-sync yes", "repl-diskless-sync-delay 0", "enable-debug-command local"));
		// The client port (plaintext or TLS), users and the builder's extra lines last, so that they win.
		lines.addAll(this.cluster.securityConfig(port));
		return String.join("\n", lines) + "\n";
	}

	/**
	 * Start a shell that outlives a JVM killed with SIGKILL (no shutdown hooks then) and kills the cluster's
	 * processes once the JVM is gone, so that a crashed or timed-out test fork leaves no servers behind.
	 * @return the watchdog process, to be destroyed on a normal close
	 */
	Process startWatchdog() {
		String base = this.baseDirectory.toAbsolutePath().toString().replace("'", "'\\''");
		String script = "while kill -0 " + ProcessHandle.current().pid() + " 2>/dev/null; do sleep 1; done; "
				+ "for f in '" + base + "'/*/redis.pid; do p=$(cat \"$f\" 2>/dev/null) && "
				+ "[ \"$(cat /proc/$p/comm 2>/dev/null)\" = redis-server ] && kill -9 \"$p\"; done; rm -rf '" + base
				+ "'";
		try {
			return new ProcessBuilder("sh", "-c", script).redirectOutput(Redirect.DISCARD)
				.redirectError(Redirect.DISCARD)
				.start();
		}
		catch (IOException ex) {
			// Without sh we still have the shutdown hook.
			return null;
		}
	}

	static void deleteRecursively(Path directory) {
		if (!Files.exists(directory)) {
			return;
		}
		try (Stream<Path> paths = Files.walk(directory)) {
			paths.sorted(Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
		}
		catch (IOException ex) {
			// best effort: the directory lives under the temp directory anyway
		}
	}

	static Duration max(Duration a, Duration b) {
		return (a.compareTo(b) >= 0) ? a : b;
	}

}
