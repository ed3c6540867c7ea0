package dev.shardpubsub.test;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ProtocolKeyword;

/**
 * One {@code redis-server} process of an {@link EmbeddedRedisCluster}.
 * <p>
 * The node keeps one lazily opened Lettuce connection for {@link #execute(String, String...)}, {@link #commands()}
 * and the cluster's own bookkeeping. Its port, directory and node id survive a
 * {@link ClusterOperations#restart(ClusterNode) restart}; its {@link #pid() pid} does not.
 */
public final class RedisNode implements ClusterNode {

	private static final String HOST = "127.0.0.1";

	private final int port;

	private final Path directory;

	private final RedisServerBinary binary;

	private final RedisClient client;

	private final RedisURI uri;

	private final EmbeddedRedisCluster cluster;

	private volatile String nodeId;

	private volatile Process process;

	private volatile boolean paused;

	private volatile ServerVersion serverVersion;

	private StatefulRedisConnection<String, String> connection;

	RedisNode(EmbeddedRedisCluster cluster, int port, Path directory, RedisServerBinary binary, RedisClient client) {
		this.cluster = cluster;
		this.port = port;
		this.directory = directory;
		this.binary = binary;
		this.client = client;
		this.uri = cluster.nodeUri(HOST, port);
	}

	/** @return the host the node listens on, always {@code 127.0.0.1} */
	@Override
	public String host() {
		return HOST;
	}

	/** @return the client port; the cluster bus listens on this port + 10000 */
	@Override
	public int port() {
		return this.port;
	}

	/** @return {@code host:port}, the form {@code spring.data.redis.cluster.nodes} uses */
	public String address() {
		return HOST + ":" + this.port;
	}

	/** @return a {@link RedisURI} for this node, with the cluster's administrator credentials and TLS if set */
	public RedisURI redisUri() {
		return this.uri;
	}

	/** @return the cluster node id (40 hex characters); stable across restarts */
	@Override
	public String nodeId() {
		return this.nodeId;
	}

	/** @return the node's working directory (config, {@code nodes.conf}, log) */
	public Path directory() {
		return this.directory;
	}

	/** @return the operating system process id, or -1 if the node is not running */
	public long pid() {
		Process current = this.process;
		return (current != null && current.isAlive()) ? current.pid() : -1;
	}

	/** @return whether the process is alive (a paused process counts as running) */
	@Override
	public boolean isRunning() {
		Process current = this.process;
		return current != null && current.isAlive();
	}

	/** @return whether the process was stopped with {@code SIGSTOP} by {@link ClusterOperations#pause(ClusterNode)} */
	public boolean isPaused() {
		return this.paused;
	}

	/** @return whether the process is running and not paused, so it answers commands */
	@Override
	public boolean isLive() {
		return isRunning() && !this.paused;
	}

	/**
	 * Whether the node is currently a master. Asks the node itself ({@code ROLE}); for a killed or paused node, the
	 * role the rest of the cluster remembers for it.
	 * @return {@code true} for a master, {@code false} for a replica
	 */
	@Override
	public boolean isMaster() {
		if (isLive()) {
			Object role = execute("ROLE");
			return role instanceof List<?> list && !list.isEmpty() && "master".equals(list.get(0));
		}
		return this.cluster.operations().currentView().isMaster(this.nodeId);
	}

	/**
	 * The server's name and version, read once from {@code INFO server}.
	 * @return e.g. Redis 7.0.15 or Valkey 8.0.1
	 */
	public ServerVersion serverVersion() {
		ServerVersion version = this.serverVersion;
		if (version == null) {
			version = ServerVersion.parse(commands().info("server"));
			this.serverVersion = version;
		}
		return version;
	}

	/**
	 * How many times the node ran a command since it started, from {@code INFO commandstats}: e.g. which node a
	 * publisher's {@code SPUBLISH} reached.
	 * @param command the command, e.g. {@code spublish}
	 * @return the calls, 0 if it never ran it
	 */
	public long commandCalls(String command) {
		String prefix = "cmdstat_" + command.toLowerCase(Locale.ROOT) + ":calls=";
		return commands().info("commandstats")
			.lines()
			.filter((line) -> line.startsWith(prefix))
			.mapToLong((line) -> Long.parseLong(line.substring(prefix.length(), line.indexOf(',', prefix.length()))))
			.findFirst()
			.orElse(0);
	}

	/**
	 * Run any command on this node, e.g. {@code execute("CLUSTER", "INFO")} or {@code execute("CLUSTER INFO")}.
	 * @param command the command name, optionally followed by space-separated words
	 * @param args further arguments
	 * @return the reply: {@code String} for simple and bulk strings, {@code Long} for integers, {@code List} for
	 * arrays (nested as sent), {@code null} for a nil reply
	 * @throws io.lettuce.core.RedisCommandExecutionException on an error reply
	 */
	public Object execute(String command, String... args) {
		String[] words = command.trim().split("\\s+");
		CommandArgs<String, String> commandArgs = new CommandArgs<>(StringCodec.UTF8);
		for (int i = 1; i < words.length; i++) {
			commandArgs.add(words[i]);
		}
		for (String arg : args) {
			commandArgs.add(arg);
		}
		return commands().dispatch(keyword(words[0]), new ReplyOutput(), commandArgs);
	}

	/**
	 * Run {@code CLIENT LIST} and parse it.
	 * @return the connected clients, including the node's own helper connection and cluster-internal ones
	 */
	public List<ClientInfo> clientList() {
		return ClientInfo.parse(commands().clientList());
	}

	/**
	 * The synchronous Lettuce API of this node's shared standalone connection.
	 * @return typed commands; do not close or subscribe on them
	 */
	@Override
	public RedisCommands<String, String> commands() {
		return connection().sync();
	}

	/**
	 * The last lines of the node's log (server log and captured stdout/stderr), for diagnostics.
	 * @param lines how many lines of each file
	 * @return the tail, never {@code null}
	 */
	@Override
	public String logTail(int lines) {
		StringBuilder tail = new StringBuilder();
		for (String file : List.of("redis.log", "stdout.log")) {
			Path path = this.directory.resolve(file);
			if (!Files.exists(path)) {
				continue;
			}
			try {
				List<String> all = Files.readAllLines(path, StandardCharsets.UTF_8);
				tail.append("--- ").append(path).append(" (last ").append(lines).append(" lines)\n");
				all.subList(Math.max(0, all.size() - lines), all.size()).forEach((line) -> tail.append(line).append('\n'));
			}
			catch (IOException ex) {
				tail.append("--- ").append(path).append(": ").append(ex.getMessage()).append('\n');
			}
		}
		return tail.toString();
	}

	@Override
	public String toString() {
		return address() + ((this.nodeId != null) ? " " + this.nodeId.substring(0, 8) : "")
				+ (isRunning() ? (this.paused ? " paused" : "") : " stopped");
	}

	synchronized StatefulRedisConnection<String, String> connection() {
		if (this.connection == null || !this.connection.isOpen()) {
			this.connection = this.client.connect(StringCodec.UTF8, this.uri);
		}
		return this.connection;
	}

	synchronized void closeConnection() {
		if (this.connection != null) {
			this.connection.closeAsync();
			this.connection = null;
		}
	}

	/** Start the process; the config file is written on the first start only, so restarts reuse it. */
	void launch(String config) {
		try {
			Files.createDirectories(this.directory);
			Path configFile = this.directory.resolve("redis.conf");
			if (!Files.exists(configFile)) {
				Files.writeString(configFile, config);
			}
			this.process = new ProcessBuilder(this.binary.path().toString(), configFile.toString())
				.directory(this.directory.toFile())
				.redirectErrorStream(true)
				.redirectOutput(Redirect.appendTo(this.directory.resolve("stdout.log").toFile()))
				.start();
			this.paused = false;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not start " + this.binary.path() + " for port " + this.port, ex);
		}
	}

	/** Wait until the node answers PING and remember its node id. */
	void awaitReady(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (true) {
			Process current = this.process;
			if (current == null || !current.isAlive()) {
				throw new StartupException(this, "redis-server on port " + this.port + " exited during startup"
						+ ((current != null) ? " with code " + current.exitValue() : ""));
			}
			try {
				connection().sync().ping();
				this.nodeId = connection().sync().clusterMyId();
				return;
			}
			catch (RedisConnectionException ex) {
				if (System.nanoTime() > deadline) {
					throw new StartupException(this,
							"redis-server on port " + this.port + " did not accept connections within " + timeout);
				}
				Waits.sleep(Duration.ofMillis(20));
			}
		}
	}

	/** SIGKILL the process (no shutdown, no final nodes.conf write) and drop the connection. */
	void kill() {
		closeConnection();
		Process current = this.process;
		if (current != null) {
			current.destroyForcibly();
			try {
				current.waitFor(10, TimeUnit.SECONDS);
				// A stale pid file could make the orphan watchdog kill an unrelated process that reused the pid.
				Files.deleteIfExists(this.directory.resolve("redis.pid"));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			catch (IOException ex) {
				// the watchdog also checks the process name
			}
		}
		this.paused = false;
	}

	void signal(String signal, boolean pausedAfterwards) {
		long pid = pid();
		if (pid < 0) {
			throw new IllegalStateException(this + " is not running");
		}
		try {
			Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true)
				.start();
			String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (kill.waitFor() != 0) {
				throw new IllegalStateException("kill -" + signal + " " + pid + " failed: " + output);
			}
			this.paused = pausedAfterwards;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not run kill -" + signal + " " + pid, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while signalling " + this, ex);
		}
	}

	private static ProtocolKeyword keyword(String name) {
		String upper = name.toUpperCase(Locale.ROOT);
		if (Arrays.stream(CommandType.values()).anyMatch((type) -> type.name().equals(upper))) {
			return CommandType.valueOf(upper);
		}
		byte[] bytes = upper.getBytes(StandardCharsets.US_ASCII);
		return new ProtocolKeyword() {

			@Override
			public byte[] getBytes() {
				return bytes;
			}

			@Override
			public String toString() {
				return upper;
			}

		};
	}

	/** A node failed to start; carries the tail of its log. */
	static final class StartupException extends IllegalStateException {

		private final boolean portInUse;

		StartupException(RedisNode node, String message) {
			this(node, message, node.logTail(30));
		}

		private StartupException(RedisNode node, String message, String log) {
			super(message + "\n" + log);
			this.portInUse = log.contains("Address already in use");
		}

		boolean isPortInUse() {
			return this.portInUse;
		}

	}

}
