package dev.shardpubsub.testcontainers;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import com.github.dockerjava.api.command.InspectContainerResponse;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.SslVerifyMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

import dev.shardpubsub.test.ServerVersion;
import dev.shardpubsub.test.TlsCertificates;

/**
 * A Redis Cluster in one container: {@code masters × (1 + replicasPerMaster)} server processes (3 masters with one
 * replica each by default) started from the image's own {@code valkey-server} or {@code redis-server}, made into a
 * cluster whose nodes all agree before {@link #start()} returns. Works with the official images, e.g.
 * {@code redis:7.4} or {@code valkey/valkey:8}, and any image with such a server on its {@code PATH} and a
 * {@code /bin/sh}.
 * <p>
 * Every node's client and bus ports are published on the same port numbers on the host, and the nodes announce
 * them with the host's address ({@code 127.0.0.1} when the container engine runs on this machine), so the
 * addresses in {@code CLUSTER SLOTS}, {@code MOVED} and {@code CLUSTER NODES} are the ones a client on the host
 * reaches. With Spring Boot, {@code @ServiceConnection} on the container sets
 * {@code spring.data.redis.cluster.nodes} (and the password) for the test's application context.
 * <p>
 * Chaos for tests, named as in the embedded kit: {@link #operations()} ({@code failover}, {@code kill},
 * {@code restart}, {@code pause}, {@code migrateSlot}, ...), {@link #ownerOfChannel(String)}.
 */
public class RedisClusterContainer extends GenericContainer<RedisClusterContainer> {

	private static final Logger logger = LoggerFactory.getLogger(RedisClusterContainer.class);

	private int masterCount = 3;

	private int replicasPerMaster = 1;

	private Duration nodeTimeout = Duration.ofMillis(1000);

	private String password;

	private String announceHost;

	private boolean tls;

	private volatile TlsCertificates tlsCertificates;

	private final Map<String, String> config = new LinkedHashMap<>();

	private volatile List<ContainerRedisNode> nodes = List.of();

	private volatile String script;

	private volatile RedisClient client;

	private volatile ContainerClusterOperations operations;

	private volatile long startNanos;

	/**
	 * A cluster container from an image such as {@code redis:7.4} or {@code valkey/valkey:8}.
	 * @param image the image name
	 */
	public RedisClusterContainer(String image) {
		this(DockerImageName.parse(image));
	}

	/**
	 * A cluster container from an image.
	 * @param image the image name
	 */
	public RedisClusterContainer(DockerImageName image) {
		super(ContainerImages.qualified(image));
		withCreateContainerCmdModifier((command) -> command.withEntrypoint("/bin/sh").withCmd("-c", this.script));
		withStartupTimeout(Duration.ofSeconds(60));
	}

	/**
	 * @param masters number of masters, at least 1 (default 3); slots are spread evenly over them
	 * @return this container
	 */
	public RedisClusterContainer withMasters(int masters) {
		if (masters < 1) {
			throw new IllegalArgumentException("A cluster needs at least one master, not " + masters);
		}
		this.masterCount = masters;
		return this;
	}

	/**
	 * @param replicasPerMaster replicas of each master, 0 or more (default 1)
	 * @return this container
	 */
	public RedisClusterContainer withReplicasPerMaster(int replicasPerMaster) {
		if (replicasPerMaster < 0) {
			throw new IllegalArgumentException("replicasPerMaster must not be negative: " + replicasPerMaster);
		}
		this.replicasPerMaster = replicasPerMaster;
		return this;
	}

	/**
	 * @param nodeTimeout {@code cluster-node-timeout} (default 1 s): how soon a crashed master's replica takes over
	 * @return this container
	 */
	public RedisClusterContainer withNodeTimeout(Duration nodeTimeout) {
		this.nodeTimeout = nodeTimeout;
		return this;
	}

	/**
	 * Require a password of the {@code default} user ({@code requirepass}); replicas authenticate with it
	 * ({@code masterauth}), and so do this container's connections and the {@code @ServiceConnection} details.
	 * @param password the password
	 * @return this container
	 */
	public RedisClusterContainer withPassword(String password) {
		this.password = password;
		return withConfig("requirepass", password).withConfig("masterauth", password);
	}

	/**
	 * Clients reach the nodes over TLS only ({@code tls-port}, no plaintext port), and the cluster bus and
	 * replication run over TLS too ({@code tls-cluster}, {@code tls-replication}); clients need not present a
	 * certificate. A throw-away CA and a certificate for {@code 127.0.0.1} and {@code localhost} are made with the
	 * {@code openssl} command on this machine at the start (see {@link #tlsCertificates()}); this container's
	 * connections trust it, and so does the {@code @ServiceConnection} (its SSL bundle).
	 * @return this container
	 */
	public RedisClusterContainer withTls() {
		this.tls = true;
		return this;
	}

	/**
	 * Any further server configuration, given to every node as {@code --key value}.
	 * @param key a {@code redis.conf} directive
	 * @param value its value
	 * @return this container
	 */
	public RedisClusterContainer withConfig(String key, String value) {
		this.config.put(key, value);
		return this;
	}

	/**
	 * The address the nodes announce, which must reach the published ports from where the clients run. By default
	 * {@code 127.0.0.1} when the container engine runs on this machine, else the engine's host.
	 * @param announceHost a host name or IP address
	 * @return this container
	 */
	public RedisClusterContainer withAnnounceHost(String announceHost) {
		this.announceHost = announceHost;
		return this;
	}

	/** @return the number of masters the cluster is started with */
	public int getMasterCount() {
		return this.masterCount;
	}

	/** @return the number of replicas of each master the cluster is started with */
	public int getReplicasPerMaster() {
		return this.replicasPerMaster;
	}

	/** @return the {@code default} user's password, or {@code null} */
	public String getPassword() {
		return this.password;
	}

	/** @return whether the nodes are reached over TLS ({@link #withTls()}) */
	public boolean isTls() {
		return this.tls;
	}

	/**
	 * The TLS material of a container started {@link #withTls() with TLS}: point a client's trust store at its
	 * {@code caCertificate()}.
	 * @return the CA and the nodes' certificate, or {@code null} without TLS or before the start
	 */
	public TlsCertificates tlsCertificates() {
		return this.tlsCertificates;
	}

	/** @return the {@code cluster-node-timeout} */
	public Duration nodeTimeout() {
		return this.nodeTimeout;
	}

	/** @return every node, masters first as started (roles change with failovers); empty before the start */
	public List<ContainerRedisNode> nodes() {
		return this.nodes;
	}

	/** @return the nodes that are masters now */
	public List<ContainerRedisNode> masters() {
		return this.nodes.stream().filter(ContainerRedisNode::isMaster).toList();
	}

	/** @return the nodes that are replicas now */
	public List<ContainerRedisNode> replicas() {
		return this.nodes.stream().filter((node) -> !node.isMaster()).toList();
	}

	/** @return the server's name and version, from the first live node */
	public ServerVersion serverVersion() {
		return this.nodes.stream().filter(ContainerRedisNode::isLive).findFirst().orElseThrow().serverVersion();
	}

	/** @return every node as {@code host:port,host:port,...}, for {@code spring.data.redis.cluster.nodes} */
	public String nodesProperty() {
		return this.nodes.stream().map(ContainerRedisNode::address).collect(Collectors.joining(","));
	}

	/** @return a {@link RedisURI} per node, with the password if there is one (for a Lettuce cluster client) */
	public List<RedisURI> redisUris() {
		return this.nodes.stream().map(ContainerRedisNode::redisUri).toList();
	}

	/** @return the cluster operations (failover, kill, restart, pause, migrate slots, ...) */
	public ContainerClusterOperations operations() {
		ContainerClusterOperations current = this.operations;
		if (current == null) {
			throw new IllegalStateException("The cluster container is not started");
		}
		return current;
	}

	/**
	 * @param channel a shard channel
	 * @return the master owning the channel's slot now
	 */
	public ContainerRedisNode ownerOfChannel(String channel) {
		return operations().ownerOfChannel(channel);
	}

	/**
	 * @param slot a slot
	 * @return the master owning it now, or {@code null}
	 */
	public ContainerRedisNode ownerOf(int slot) {
		return operations().ownerOf(slot);
	}

	/**
	 * @param slot a slot
	 * @param target the new owner
	 * @return how many keys moved
	 * @see ContainerClusterOperations#migrateSlot(int, dev.shardpubsub.test.ClusterNode)
	 */
	public int migrateSlot(int slot, ContainerRedisNode target) {
		return operations().migrateSlot(slot, target);
	}

	/**
	 * @param master the master to demote
	 * @return the promoted replica
	 * @see ContainerClusterOperations#failover(dev.shardpubsub.test.ClusterNode)
	 */
	public ContainerRedisNode failover(ContainerRedisNode master) {
		return operations().failover(master);
	}

	/** Wait until every live node agrees; see {@link ContainerClusterOperations#awaitAgreement(Duration)}. */
	public void awaitAgreement() {
		operations().awaitAgreement();
	}

	@Override
	protected void configure() {
		this.startNanos = System.nanoTime();
		int count = this.masterCount * (1 + this.replicasPerMaster);
		List<Integer> free = ContainerNetwork.freePorts(2 * count);
		List<Integer> ports = free.subList(0, count);
		List<Integer> busPorts = free.subList(count, 2 * count);
		String host = (this.announceHost != null) ? this.announceHost : ContainerNetwork.announceHost(getHost());
		setPortBindings(new ArrayList<>());
		free.forEach((port) -> addFixedExposedPort(port, port));
		Map<String, String> nodeConfig = new LinkedHashMap<>(this.config);
		if (this.tls) {
			this.tlsCertificates = ContainerTls.copyTo(this, nodeConfig);
		}
		this.script = ClusterStartScript.script(ports, busPorts, host, this.nodeTimeout, this.tls, nodeConfig);
		List<ContainerRedisNode> created = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			RedisURI.Builder uri = RedisURI.Builder.redis(host, ports.get(i)).withTimeout(Duration.ofSeconds(10));
			if (this.tls) {
				// The certificate names 127.0.0.1 and localhost: elsewhere only its CA can be checked.
				uri.withSsl(true).withVerifyPeer("127.0.0.1".equals(host) ? SslVerifyMode.FULL : SslVerifyMode.CA);
			}
			if (this.password != null) {
				uri.withPassword(this.password.toCharArray());
			}
			created.add(new ContainerRedisNode(this, ports.get(i), busPorts.get(i), uri.build()));
		}
		this.nodes = Collections.unmodifiableList(created);
		Duration timeout = Duration.ofSeconds(30).compareTo(this.nodeTimeout.multipliedBy(20)) >= 0
				? Duration.ofSeconds(30) : this.nodeTimeout.multipliedBy(20);
		this.operations = new ContainerClusterOperations(this, timeout);
		waitingFor(Wait.forLogMessage("(?s).*Ready to accept connections.*", count)
			.withStartupTimeout(Duration.ofSeconds(60)));
	}

	@Override
	protected void containerIsStarted(InspectContainerResponse containerInfo) {
		this.client = RedisClient.create();
		if (this.tls) {
			this.client.setOptions(ClientOptions.builder().sslOptions(SslOptions.builder().jdkSslProvider()
				.trustManager(this.tlsCertificates.caCertificate().toFile()).build()).build());
		}
		ContainerClusterBootstrap.create(this.nodes, this.masterCount, this.operations, this.operations.defaultTimeout());
		logger.info("Redis Cluster of {} nodes ready in {} ms ({}, image {}): {}", this.nodes.size(),
				(System.nanoTime() - this.startNanos) / 1_000_000, serverVersion(), getDockerImageName(),
				nodesProperty());
	}

	@Override
	protected void containerIsStopping(InspectContainerResponse containerInfo) {
		closeClient();
	}

	@Override
	public void stop() {
		closeClient();
		super.stop();
	}

	private void closeClient() {
		this.nodes.forEach(ContainerRedisNode::closeConnection);
		RedisClient current = this.client;
		this.client = null;
		if (current != null) {
			current.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		}
	}

	RedisClient client() {
		RedisClient current = this.client;
		if (current == null) {
			throw new IllegalStateException("The cluster container is not started");
		}
		return current;
	}

	void execScript(String command) {
		try {
			ExecResult result = execInContainer("/bin/sh", "-c", command);
			if (result.getExitCode() != 0) {
				throw new IllegalStateException("'" + command + "' failed in the container (exit "
						+ result.getExitCode() + "): " + result.getStderr() + result.getStdout());
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not run '" + command + "' in the container", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted running '" + command + "' in the container", ex);
		}
	}

	@Override
	public String toString() {
		return "RedisClusterContainer " + getDockerImageName() + " " + nodesProperty();
	}

}
