package dev.shardpubsub.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import dev.shardpubsub.config.ClusterAuthenticationException;

/**
 * Explains credentials the Redis Cluster refused, without repeating them.
 */
class ClusterAuthenticationFailureAnalyzer extends AbstractFailureAnalyzer<ClusterAuthenticationException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, ClusterAuthenticationException cause) {
		String user = (cause.getUsername() != null) ? "ACL user '" + cause.getUsername() + "'" : "the default user";
		String description = "Shard Pub/Sub could not load the Redis Cluster topology: authentication failed at "
				+ cause.getNodes() + " as " + user + " (the server answered '" + cause.getServerAnswer() + "').";
		String action = "Check spring.data.redis.username and spring.data.redis.password: the user must exist and be "
				+ "enabled ('ACL SETUSER <name> on') on every cluster node with that password, or, without a user name, "
				+ "the password must match the nodes' requirepass. Nothing is retried: fix the credentials and start "
				+ "the application again.";
		return new FailureAnalysis(description, action, cause);
	}

}
