package dev.shardpubsub.test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Settings of an {@link EmbeddedRedisCluster}; {@link #start()} starts it.
 */
public final class EmbeddedRedisClusterBuilder {

	int masters = 3;

	int replicasPerMaster = 1;

	Duration nodeTimeout = Duration.ofMillis(1000);

	boolean requireFullCoverage = true;

	Duration startupTimeout = Duration.ofSeconds(60);

	String redisServer;

	Path directory;

	String password;

	String adminUsername;

	String adminPassword;

	final Map<String, String> aclUsers = new LinkedHashMap<>();

	final List<String> extraConfig = new ArrayList<>();

	boolean tls;

	EmbeddedRedisClusterBuilder() {
	}

	/**
	 * @param masters number of masters, at least 1 (default 3); slots are spread evenly over them
	 * @return this builder
	 */
	public EmbeddedRedisClusterBuilder masters(int masters) {
		if (masters < 1) {
			throw new IllegalArgumentException("masters must be at least 1");
		}
		this.masters = masters;
		return this;
	}

	/**
	 * @param replicasPerMaster replicas of each master, at least 0 (default 1)
	 * @return this builder
	 */
	public EmbeddedRedisClusterBuilder replicasPerMaster(int replicasPerMaster) {
		if (replicasPerMaster < 0) {
			throw new IllegalArgumentException("replicasPerMaster must not be negative");
		}
		this.replicasPerMaster = replicasPerMaster;
		return this;
	}

	/**
	 * @param nodeTimeout {@code cluster-node-timeout} (default 1000 ms): how fast a dead master is failed over
	 * @return this builder
	 */
	public EmbeddedRedisClusterBuilder nodeTimeout(Duration nodeTimeout) {
		if (nodeTimeout.toMillis() < 100) {
			throw new IllegalArgumentException("nodeTimeout must be at least 100 ms");
		}
		this.nodeTimeout = nodeTimeout;
		return this;
	}

	/**
	 * @param requireFullCoverage {@code cluster-require-full-coverage} (default {@code true}, the server
	 * default): whether the cluster refuses queries while a slot has no owner
	 * @return this builder
	 */
	public EmbeddedRedisClusterBuilder requireFullCoverage(boolean requireFullCoverage) {
		this.requireFullCoverage = requireFullCoverage;
		return this;
	}

	/**
	 * @param startupTimeout how long {@link #start()} waits for the cluster to become healthy (default 60 s)
	 * @return this builder
	 */
	public EmbeddedRedisClusterBuilder startupTimeout(Duration startupTimeout) {
		this.startupTimeout = startupTimeout;
		return this;
	}

	/**
	 * @param redisServer the redis-server executable, overriding system property, environment and PATH
	 * @return this builder
	 */
	public EmbeddedRedisClusterBuilder redisServer(String redisServer) {
		this.redisServer = redisServer;
		return this;
	}

	/**
	 * @param directory parent of the cluster's working directory (default: the system temp directory)
	 * @return this builder
	 */
	public EmbeddedRedisClusterBuilder directory(Path directory) {
		this.directory = directory;
		return this;
	}

	/**
	 * Require a password of the default user ({@code requirepass}); replicas ({@code masterauth}) and the
	 * cluster's own connections use it. Not together with {@link #adminUser(String, String)}.
	 * @param password the password
	 * @return this builder
	 */
	public EmbeddedRedisClusterBuilder password(String password) {
		if (this.adminUsername != null) {
			throw new IllegalStateException("password(...) and adminUser(...) exclude each other");
		}
		this.password = requireWord(password, "password");
		return this;
	}

	/**
	 * Run the cluster with ACL users only: create an ACL user with every permission, switch the
	 * {@code default} user off, and let replicas ({@code masteruser}/{@code masterauth}) and the cluster's own
	 * connections log in as that user. Add the application's users with {@link #aclUser}.
	 * @param username the administrator's name
	 * @param password its password
	 * @return this builder
	 */
	public EmbeddedRedisClusterBuilder adminUser(String username, String password) {
		if (this.password != null) {
			throw new IllegalStateException("password(...) and adminUser(...) exclude each other");
		}
		this.adminUsername = requireWord(username, "username");
		this.adminPassword = requireWord(password, "password");
		return this;
	}

	/**
	 * Add an enabled ACL user, e.g. {@code aclUser("orders", "pw", "resetchannels &orders:* +@pubsub")}.
	 * @param username the user name
	 * @param password its password
	 * @param rules ACL rules ({@code ~keys}, {@code &channels}, {@code +@category}, {@code +command}, ...)
	 * @return this builder
	 */
	public EmbeddedRedisClusterBuilder aclUser(String username, String password, String rules) {
		this.aclUsers.put(requireWord(username, "username"), "on >" + requireWord(password, "password") + " "
				+ rules);
		return this;
	}

	/**
	 * Add a line to every node's {@code redis.conf}, after the kit's own lines (so it wins for single-valued
	 * directives), e.g. {@code config("rename-command", "SSUBSCRIBE \"\"")}.
	 * @param key the directive
	 * @param value its arguments, as written in {@code redis.conf}
	 * @return this builder
	 */
	public EmbeddedRedisClusterBuilder config(String key, String value) {
		this.extraConfig.add(requireWord(key, "key") + " " + value);
		return this;
	}

	/**
	 * Serve TLS only: generate a throw-away CA and node certificate ({@link TlsCertificates}, needs
	 * {@code openssl}), listen with {@code tls-port} and {@code port 0} (no plaintext port), and run the cluster
	 * bus and replication over TLS. Clients need not present a certificate ({@code tls-auth-clients no}; change
	 * it with {@link #config}). {@link EmbeddedRedisCluster#tlsCertificates()} returns the CA for clients.
	 * @return this builder
	 */
	public EmbeddedRedisClusterBuilder tls() {
		this.tls = true;
		return this;
	}

	private static String requireWord(String value, String what) {
		if (value == null || value.isBlank() || value.chars().anyMatch(Character::isWhitespace)) {
			throw new IllegalArgumentException(what + " must be a non-empty word");
		}
		return value;
	}

	/**
	 * Start the processes, create the cluster and wait until every node agrees on the slot map.
	 * @return the running cluster; close it when done
	 * @throws IllegalStateException if redis-server is missing or older than 7.0, or the cluster does not
	 * come up (the message then carries the tail of the failing node's log)
	 */
	public EmbeddedRedisCluster start() {
		RedisServerBinary binary = RedisServerBinary.resolve(this.redisServer);
		Path base;
		try {
			base = (this.directory != null)
					? Files.createTempDirectory(Files.createDirectories(this.directory), "redis-cluster-")
					: Files.createTempDirectory("shard-pubsub-redis-cluster-");
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not create a directory for the cluster", ex);
		}
		EmbeddedRedisCluster cluster = new EmbeddedRedisCluster(copy(), base);
		try {
			cluster.startNodes(binary);
			return cluster;
		}
		catch (RuntimeException ex) {
			cluster.close();
			throw ex;
		}
	}

	private EmbeddedRedisClusterBuilder copy() {
		EmbeddedRedisClusterBuilder copy = new EmbeddedRedisClusterBuilder();
		copy.masters = this.masters;
		copy.replicasPerMaster = this.replicasPerMaster;
		copy.nodeTimeout = this.nodeTimeout;
		copy.requireFullCoverage = this.requireFullCoverage;
		copy.startupTimeout = this.startupTimeout;
		copy.password = this.password;
		copy.adminUsername = this.adminUsername;
		copy.adminPassword = this.adminPassword;
		copy.aclUsers.putAll(this.aclUsers);
		copy.extraConfig.addAll(this.extraConfig);
		copy.tls = this.tls;
		return copy;
	}

}
