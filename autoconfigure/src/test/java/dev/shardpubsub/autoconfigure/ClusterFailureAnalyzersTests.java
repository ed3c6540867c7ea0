package dev.shardpubsub.autoconfigure;

import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.context.ApplicationContextException;

import dev.shardpubsub.config.ClusterAuthenticationException;
import dev.shardpubsub.config.ClusterModeDisabledException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ClusterModeDisabledFailureAnalyzer} and {@link ClusterAuthenticationFailureAnalyzer}.
 */
class ClusterFailureAnalyzersTests {

	@Test
	void clusterModeDisabledNamesTheNodesThePropertyAndClusterEnabled() {
		ClusterModeDisabledException cause = new ClusterModeDisabledException(List.of("10.0.0.1:6379"),
				"ERR This instance has cluster support disabled", null);
		FailureAnalysis analysis = new ClusterModeDisabledFailureAnalyzer()
			.analyze(new ApplicationContextException("Failed to start bean 'shardTopologyWatcher'", cause));
		assertThat(analysis.getDescription()).contains("spring.data.redis.cluster.nodes [10.0.0.1:6379]")
			.contains("are not cluster nodes")
			.contains("ERR This instance has cluster support disabled");
		assertThat(analysis.getAction()).contains("spring.data.redis.cluster.nodes")
			.contains("cluster-enabled yes")
			.contains("shard-pubsub.enabled=false");
	}

	@Test
	void authenticationFailureNamesUserAndPropertiesButNoPassword() {
		ClusterAuthenticationException cause = new ClusterAuthenticationException(List.of("10.0.0.1:7000"), "app",
				"WRONGPASS invalid username-password pair or user is disabled.", null);
		FailureAnalysis analysis = new ClusterAuthenticationFailureAnalyzer()
			.analyze(new ApplicationContextException("Failed to start bean 'shardTopologyWatcher'", cause));
		assertThat(analysis.getDescription()).contains("authentication failed at [10.0.0.1:7000] as ACL user 'app'")
			.contains("WRONGPASS");
		assertThat(analysis.getAction()).contains("spring.data.redis.username")
			.contains("spring.data.redis.password")
			.contains("Nothing is retried");
	}

	@Test
	void authenticationFailureWithoutUsernameSaysDefaultUser() {
		ClusterAuthenticationException cause = new ClusterAuthenticationException(List.of("10.0.0.1:7000"), null,
				"NOAUTH Authentication required.", null);
		assertThat(new ClusterAuthenticationFailureAnalyzer().analyze(cause).getDescription())
			.contains("as the default user");
	}

}
