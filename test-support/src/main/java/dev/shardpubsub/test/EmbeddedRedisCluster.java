package dev.shardpubsub.test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Redis Cluster of {@code redis-server} processes on loopback ports, for integration tests.
 * <pre>{@code
 * try (EmbeddedRedisCluster cluster = EmbeddedRedisCluster.builder().masters(3).replicasPerMaster(1).start()) {
 *     RedisClusterClient client = RedisClusterClient.create(cluster.redisUris());
 *     cluster.operations().failover(cluster.ownerOfChannel("orders"));
 * }
 * }</pre>
 * The executable is {@code redis-server} from the {@code PATH}, or the one named by the system property
 * {@code shardpubsub.redis-server} or the environment variable {@code SHARD_PUBSUB_REDIS_SERVER}; it must be 7.0 or
 * newer. Each node runs in its own temporary directory; {@link #close()} (or JVM exit) kills every process and
 * deletes the directories. If the JVM itself is killed (SIGKILL, no shutdown hooks), a small {@code sh} watchdog
 * started with the cluster kills the servers within a second. Topology changes for tests live in {@link #operations()}; the most used ones are
 * repeated here as shortcuts.
 * <p>
 * JUnit 5 users usually let {@link EmbeddedCluster @EmbeddedCluster} manage the cluster.
 */
public final class EmbeddedRedisCluster implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(EmbeddedRedisCluster.class);

	private final EmbeddedRedisClusterBuilder settings;

	private final Path baseDirectory;

	private final TlsCertificates tls;

	private final ClientResources resources;

	private final RedisClient client;

	private final List<RedisNode> nodes = new ArrayList<>();

	private final ClusterOperations operations;

	private final AtomicBoolean closed = new AtomicBoolean();

	private final Thread shutdownHook = new Thread(this::close, "embedded-redis-cluster-shutdown");

	private Process watchdog;

	EmbeddedRedisCluster(EmbeddedRedisClusterBuilder settings, Path baseDirectory) {
		this.settings = settings;
		this.baseDirectory = baseDirectory;
		this.tls = settings.tls ? TlsCertificates.generate(baseDirectory.resolve("tls")) : null;
		// Small thread pools: tests run several clusters on small CI machines.
		this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();
		this.client = RedisClient.create(this.resources);
		this.client.setOptions(ClientOptions.builder()
			.protocolVersion(ProtocolVersion.RESP2)
			// Reconnect lazily on next use instead: a killed node must fail fast, a restarted one be found again.
			.autoReconnect(false)
			.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
			.socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(2)).build())
			.timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(10)))
			.sslOptions((this.tls != null)
					? SslOptions.builder().jdkSslProvider().trustManager(this.tls.caCertificate().toFile()).build()
					: SslOptions.create())
			.build());
		this.operations = new ClusterOperations(this,
				ClusterBootstrap.max(Duration.ofSeconds(30), settings.nodeTimeout.multipliedBy(20)));
	}

	/**
	 * A free loopback port for a node started beside a cluster (a scale-out), whose cluster bus port (10000 above)
	 * is free too; this JVM does not hand it out again.
	 * @return the port
	 */
	public static int reserveNodePort() {
		return FreePorts.reserve();
	}

	/** @return a builder with the defaults: 3 masters, 1 replica each, 1000 ms node timeout */
	public static EmbeddedRedisClusterBuilder builder() {
		return new EmbeddedRedisClusterBuilder();
	}

	void startNodes(RedisServerBinary binary) {
		Runtime.getRuntime().addShutdownHook(this.shutdownHook);
		long started = System.nanoTime();
		ClusterBootstrap bootstrap = new ClusterBootstrap(this, this.settings, binary, this.client,
				this.baseDirectory);
		this.watchdog = bootstrap.startWatchdog();
		int count = this.settings.masters * (1 + this.settings.replicasPerMaster);
		for (int i = 0; i < count; i++) {
			this.nodes.add(bootstrap.startNode());
		}
		bootstrap.join(this.nodes);
		this.operations.awaitAgreement(this.settings.startupTimeout);
		logger.info("Started Redis Cluster {} ({} masters x {} replicas, redis-server {}) in {} ms", nodesProperty(),
				this.settings.masters, this.settings.replicasPerMaster, binary.version(),
				TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
	}

	/** @return every node in start order (masters of the initial layout first), whatever its current role */
	public List<RedisNode> nodes() {
		return Collections.unmodifiableList(this.nodes);
	}

	/**
	 * The running nodes that are masters now, re-read from the cluster (a failover changes the answer).
	 * @return current masters in start order
	 */
	public List<RedisNode> masters() {
		ClusterView view = this.operations.currentView();
		return this.nodes.stream().filter((node) -> node.isRunning() && view.isMaster(node.nodeId())).toList();
	}

	/**
	 * The running nodes that are replicas now, re-read from the cluster.
	 * @return current replicas in start order
	 */
	public List<RedisNode> replicas() {
		ClusterView view = this.operations.currentView();
		return this.nodes.stream().filter((node) -> node.isRunning() && !view.isMaster(node.nodeId())).toList();
	}

	/**
	 * The name and version of the servers, as the first running node reports it.
	 * @return e.g. Redis 7.0.15 or Valkey 8.0.1
	 */
	public ServerVersion serverVersion() {
		return this.nodes.stream().filter(RedisNode::isLive).findFirst().orElseThrow().serverVersion();
	}

	/**
	 * All node addresses, the value for {@code spring.data.redis.cluster.nodes}.
	 * @return e.g. {@code "127.0.0.1:21001,127.0.0.1:21002,..."}
	 */
	public String nodesProperty() {
		return this.nodes.stream().map(RedisNode::address).collect(Collectors.joining(","));
	}

	/** @return one {@link RedisURI} per node, e.g. for {@code RedisClusterClient.create(Iterable)} */
	public List<RedisURI> redisUris() {
		return this.nodes.stream().map(RedisNode::redisUri).toList();
	}

	/** @return the topology operations for tests: moves, failovers, kills, pauses, uncovered slots */
	public ClusterOperations operations() {
		return this.operations;
	}

	/**
	 * The TLS material of a cluster started with {@link EmbeddedRedisClusterBuilder#tls()}.
	 * @return the CA and node certificates, or {@code null} for a plaintext cluster
	 */
	public TlsCertificates tlsCertificates() {
		return this.tls;
	}

	/** @return the configured {@code cluster-node-timeout} */
	public Duration nodeTimeout() {
		return this.settings.nodeTimeout;
	}

	/** @return whether {@link #close()} was called */
	public boolean isClosed() {
		return this.closed.get();
	}

	/**
	 * Shortcut for {@link ClusterOperations#slotOf(String)}.
	 * @param keyOrChannel a key or shard channel, honouring {@code {hash tags}}
	 * @return its slot, 0 to 16383
	 */
	public int slotOf(String keyOrChannel) {
		return this.operations.slotOf(keyOrChannel);
	}

	/**
	 * Shortcut for {@link ClusterOperations#ownerOf(int)}.
	 * @param slot the slot, 0 to 16383
	 * @return the master owning it, or {@code null} if uncovered
	 */
	public RedisNode ownerOf(int slot) {
		return this.operations.ownerOf(slot);
	}

	/**
	 * Shortcut for {@link ClusterOperations#ownerOfChannel(String)}.
	 * @param channel a shard channel name
	 * @return the master owning its slot, or {@code null} if uncovered
	 */
	public RedisNode ownerOfChannel(String channel) {
		return this.operations.ownerOfChannel(channel);
	}

	/**
	 * Shortcut for {@link ClusterOperations#migrateSlot(int, ClusterNode)}.
	 * @param slot the slot
	 * @param target the master to move it to
	 * @return how many keys were moved
	 */
	public int migrateSlot(int slot, RedisNode target) {
		return this.operations.migrateSlot(slot, target);
	}

	/**
	 * Shortcut for {@link ClusterOperations#failover(ClusterNode)}.
	 * @param master the master to demote
	 * @return the promoted replica
	 */
	public RedisNode failover(RedisNode master) {
		return this.operations.failover(master);
	}

	/** Shortcut for {@link ClusterOperations#awaitAgreement()}. */
	public void awaitAgreement() {
		this.operations.awaitAgreement();
	}

	/** The URI the cluster's own connections use: its credentials, TLS when enabled. */
	RedisURI nodeUri(String host, int port) {
		RedisURI.Builder uri = RedisURI.builder().withHost(host).withPort(port).withTimeout(Duration.ofSeconds(10));
		if (this.settings.adminUsername != null) {
			uri.withAuthentication(this.settings.adminUsername, this.settings.adminPassword);
		}
		else if (this.settings.password != null) {
			uri.withPassword(this.settings.password.toCharArray());
		}
		if (this.tls != null) {
			uri.withSsl(true);
		}
		return uri.build();
	}

	/** The redis.conf lines for a node's client port, TLS, users and extra settings. */
	List<String> securityConfig(int port) {
		List<String> lines = new ArrayList<>();
		if (this.tls != null) {
			// No plaintext port at all: clients, cluster bus and replication all use TLS.
			lines.addAll(List.of("port 0", "tls-port " + port, "tls-cert-file " + this.tls.certificate().toAbsolutePath(),
					"tls-key-file " + this.tls.privateKey().toAbsolutePath(),
					"tls-ca-cert-file " + this.tls.caCertificate().toAbsolutePath(), "tls-cluster yes",
					"tls-replication yes", "tls-auth-clients no"));
		}
		else {
			lines.add("port " + port);
		}
		if (this.settings.password != null) {
			lines.add("requirepass " + this.settings.password);
			lines.add("masterauth " + this.settings.password);
		}
		if (this.settings.adminUsername != null) {
			lines.add("user " + this.settings.adminUsername + " on >" + this.settings.adminPassword + " ~* &* +@all");
			lines.add("user default off");
			lines.add("masteruser " + this.settings.adminUsername);
			lines.add("masterauth " + this.settings.adminPassword);
		}
		this.settings.aclUsers.forEach((name, rules) -> lines.add("user " + name + " " + rules));
		this.settings.extraConfig.forEach((line) -> lines.add(line));
		return lines;
	}

	/**
	 * Kill every process, close the connections and delete the node directories. Idempotent; also runs on JVM
	 * exit.
	 */
	@Override
	public void close() {
		if (!this.closed.compareAndSet(false, true)) {
			return;
		}
		for (RedisNode node : this.nodes) {
			node.kill();
			FreePorts.release(node.port());
		}
		this.client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		this.resources.shutdown(0, 2, TimeUnit.SECONDS);
		ClusterBootstrap.deleteRecursively(this.baseDirectory);
		if (this.watchdog != null) {
			this.watchdog.destroy();
		}
		if (Thread.currentThread() != this.shutdownHook) {
			try {
				Runtime.getRuntime().removeShutdownHook(this.shutdownHook);
			}
			catch (IllegalStateException | IllegalArgumentException ex) {
				// JVM already shutting down, or the hook was never registered
			}
		}
		logger.info("Stopped Redis Cluster {}", nodesProperty());
	}

	@Override
	public String toString() {
		return "EmbeddedRedisCluster" + this.nodes;
	}

}
