package dev.shardpubsub.config;

import java.util.List;

/**
 * The nodes named in {@code spring.data.redis.cluster.nodes} answered, but they are not Redis Cluster nodes: they
 * run with {@code cluster-enabled no}.
 */
public class ClusterModeDisabledException extends IllegalStateException {

	private final List<String> nodes;

	private final String serverAnswer;

	/**
	 * Create an exception.
	 * @param nodes the configured nodes, as {@code host:port}
	 * @param serverAnswer what the node answered to {@code CLUSTER NODES}
	 * @param cause the client's failure
	 */
	public ClusterModeDisabledException(List<String> nodes, String serverAnswer, Throwable cause) {
		super("The Redis node(s) " + nodes + " are not Redis Cluster nodes: they answered '" + serverAnswer + "'",
				cause);
		this.nodes = List.copyOf(nodes);
		this.serverAnswer = serverAnswer;
	}

	/**
	 * The configured nodes.
	 * @return the nodes as {@code host:port}
	 */
	public List<String> getNodes() {
		return this.nodes;
	}

	/**
	 * What the node answered.
	 * @return e.g. {@code ERR This instance has cluster support disabled}
	 */
	public String getServerAnswer() {
		return this.serverAnswer;
	}

}
