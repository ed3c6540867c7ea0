package dev.shardpubsub.test;

import io.lettuce.core.api.sync.RedisCommands;

/**
 * One server of a Redis Cluster under test, as {@link AbstractClusterOperations} drives it: a process of an
 * {@link EmbeddedRedisCluster} ({@link RedisNode}), or one inside a container.
 */
public interface ClusterNode {

	/** @return the host the node is reached at (and announces) */
	String host();

	/** @return the client port */
	int port();

	/** @return the cluster node id (40 hex characters); stable across restarts */
	String nodeId();

	/** @return whether the process is running (a paused process counts as running) */
	boolean isRunning();

	/** @return whether the node is running and not paused, so it answers commands */
	boolean isLive();

	/**
	 * Whether the node is currently a master: asks the node itself ({@code ROLE}); for a killed or paused node, the
	 * role the rest of the cluster remembers for it.
	 * @return {@code true} for a master, {@code false} for a replica
	 */
	boolean isMaster();

	/**
	 * The synchronous Lettuce API of the node's own connection. Do not use it on a killed or paused node: it would
	 * wait for the command timeout.
	 * @return typed commands; do not close or subscribe on them
	 */
	RedisCommands<String, String> commands();

	/**
	 * The last lines of the node's log, for diagnostics.
	 * @param lines how many lines
	 * @return the tail, never {@code null}
	 */
	String logTail(int lines);

}
