package dev.shardpubsub.testcontainers;

import java.time.Duration;
import java.util.List;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

import dev.shardpubsub.test.ClusterNode;
import dev.shardpubsub.test.ServerVersion;
import dev.shardpubsub.test.Waits;

/**
 * One server process of a {@link RedisClusterContainer}, reached from the host at {@link #host()}:{@link #port()}
 * (the same port inside the container and on the host, so the address the cluster announces is the one a client
 * uses).
 * <p>
 * The node keeps one lazily opened Lettuce connection for {@link #commands()}. Its ports and node id survive a
 * {@link ContainerClusterOperations#restart(ClusterNode) restart}.
 */
public final class ContainerRedisNode implements ClusterNode {

	private final RedisClusterContainer container;

	private final int port;

	private final int busPort;

	private final RedisURI uri;

	private volatile String nodeId;

	private volatile boolean running = true;

	private volatile boolean paused;

	private StatefulRedisConnection<String, String> connection;

	ContainerRedisNode(RedisClusterContainer container, int port, int busPort, RedisURI uri) {
		this.container = container;
		this.port = port;
		this.busPort = busPort;
		this.uri = uri;
	}

	/** @return the host the node is reached at (and announces), usually {@code 127.0.0.1} */
	@Override
	public String host() {
		return this.uri.getHost();
	}

	/** @return the client port, the same inside the container and on the host */
	@Override
	public int port() {
		return this.port;
	}

	/** @return the cluster bus port, the same inside the container and on the host */
	public int busPort() {
		return this.busPort;
	}

	/** @return {@code host:port}, the form {@code spring.data.redis.cluster.nodes} uses */
	public String address() {
		return host() + ":" + this.port;
	}

	/** @return a {@link RedisURI} for this node, with the cluster's password if it has one */
	public RedisURI redisUri() {
		return this.uri;
	}

	/** @return the cluster node id (40 hex characters); stable across restarts */
	@Override
	public String nodeId() {
		return this.nodeId;
	}

	/** @return whether the process is running (a paused process counts as running) */
	@Override
	public boolean isRunning() {
		return this.running;
	}

	/** @return whether the process was stopped with {@code SIGSTOP} by {@link ContainerClusterOperations#pause(ClusterNode)} */
	public boolean isPaused() {
		return this.paused;
	}

	/** @return whether the node is running and not paused, so it answers commands */
	@Override
	public boolean isLive() {
		return this.running && !this.paused;
	}

	/**
	 * Whether the node is currently a master: asks the node itself ({@code ROLE}); for a killed or paused node, the
	 * role the rest of the cluster remembers for it.
	 * @return {@code true} for a master
	 */
	@Override
	public boolean isMaster() {
		if (isLive()) {
			List<Object> role = commands().role();
			return "master".equals(String.valueOf(role.get(0)));
		}
		return this.container.operations().currentView().isMaster(this.nodeId);
	}

	/** @return the server's name and version, from {@code INFO server} */
	public ServerVersion serverVersion() {
		return ServerVersion.parse(commands().info("server"));
	}

	/**
	 * Synchronous commands on this node's connection, for the test's own checks. Do not use them on a killed or
	 * paused node: they would wait for the command timeout.
	 * @return the commands
	 */
	@Override
	public synchronized RedisCommands<String, String> commands() {
		if (this.connection == null || !this.connection.isOpen()) {
			RedisClient client = this.container.client();
			this.connection = client.connect(this.uri);
		}
		return this.connection.sync();
	}

	/**
	 * The last lines the container printed: the log of every node, each line tagged with its node's pid, so look
	 * for this node's port in the lines around its start.
	 * @param lines how many lines
	 * @return the lines
	 */
	@Override
	public String logTail(int lines) {
		String[] all = this.container.getLogs().split("\n");
		StringBuilder tail = new StringBuilder();
		for (int i = Math.max(0, all.length - lines); i < all.length; i++) {
			tail.append(all[i]).append('\n');
		}
		return tail.toString();
	}

	void nodeId(String nodeId) {
		this.nodeId = nodeId;
	}

	void running(boolean running) {
		this.running = running;
	}

	void paused(boolean paused) {
		this.paused = paused;
	}

	void awaitReady(Duration timeout) {
		Waits.until(timeout, "node " + address() + " to answer PING",
				() -> "PONG".equals(commands().ping()) ? null : "no PONG");
	}

	synchronized void closeConnection() {
		if (this.connection != null) {
			this.connection.close();
			this.connection = null;
		}
	}

	@Override
	public String toString() {
		return address() + ((this.nodeId != null) ? " (" + this.nodeId.substring(0, 8) + ")" : "");
	}

}
