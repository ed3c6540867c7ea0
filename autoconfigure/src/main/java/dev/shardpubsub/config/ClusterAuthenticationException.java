package dev.shardpubsub.config;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The Redis Cluster refused the configured credentials when its topology was first loaded: a wrong password, an
 * unknown or disabled ACL user, or no password where one is required. Carries no credentials.
 */
public class ClusterAuthenticationException extends IllegalStateException {

	private final List<String> nodes;

	private final @Nullable String username;

	private final String serverAnswer;

	/**
	 * Create an exception.
	 * @param nodes the configured nodes, as {@code host:port}
	 * @param username the configured user name, or {@code null} for the {@code default} user
	 * @param serverAnswer what the node answered, e.g. {@code WRONGPASS invalid username-password pair ...}
	 * @param cause the client's failure
	 */
	public ClusterAuthenticationException(List<String> nodes, @Nullable String username, String serverAnswer,
			Throwable cause) {
		super("Authentication failed at the Redis Cluster node(s) " + nodes + " as "
				+ ((username != null) ? "user '" + username + "'" : "the default user") + ": " + serverAnswer, cause);
		this.nodes = List.copyOf(nodes);
		this.username = username;
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
	 * The user name that was refused.
	 * @return the name, or {@code null} for the {@code default} user
	 */
	public @Nullable String getUsername() {
		return this.username;
	}

	/**
	 * What the node answered.
	 * @return e.g. {@code WRONGPASS invalid username-password pair or user is disabled.}
	 */
	public String getServerAnswer() {
		return this.serverAnswer;
	}

}
