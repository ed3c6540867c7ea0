package dev.shardpubsub.node;

import java.time.Duration;
import java.util.List;

import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslVerifyMode;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ClusterClientProvider#nodeUri(String, int)}: every node connection carries Boot's credentials and
 * TLS settings, whatever node it goes to.
 */
class ClusterClientProviderTests {

	@Test
	void nodeUriCarriesUsernamePasswordAndTls() {
		RedisClusterConfiguration cluster = new RedisClusterConfiguration(List.of("127.0.0.1:7000"));
		cluster.setUsername("app");
		cluster.setPassword("s3cret");
		LettuceClientConfiguration client = LettuceClientConfiguration.builder()
			.useSsl()
			.and()
			.commandTimeout(Duration.ofSeconds(3))
			.build();
		RedisURI uri = new ClusterClientProvider(new LettuceConnectionFactory(cluster, client)).nodeUri("10.0.0.9",
				7005);
		assertThat(uri.getHost()).isEqualTo("10.0.0.9");
		assertThat(uri.getPort()).isEqualTo(7005);
		RedisCredentials credentials = uri.getCredentialsProvider().resolveCredentials().block();
		assertThat(credentials.getUsername()).isEqualTo("app");
		assertThat(new String(credentials.getPassword())).isEqualTo("s3cret");
		assertThat(uri.isSsl()).isTrue();
		assertThat(uri.getVerifyMode()).isEqualTo(SslVerifyMode.FULL);
		assertThat(uri.getTimeout()).isEqualTo(Duration.ofSeconds(3));
		assertThat(uri.toString()).doesNotContain("s3cret");
	}

	@Test
	void nodeUriWithPasswordOnlyUsesTheDefaultUserAndNoTls() {
		RedisClusterConfiguration cluster = new RedisClusterConfiguration(List.of("127.0.0.1:7000"));
		cluster.setPassword("s3cret");
		RedisURI uri = new ClusterClientProvider(
				new LettuceConnectionFactory(cluster, LettuceClientConfiguration.defaultConfiguration()))
			.nodeUri("127.0.0.1", 7001);
		RedisCredentials credentials = uri.getCredentialsProvider().resolveCredentials().block();
		assertThat(credentials.hasUsername()).isFalse();
		assertThat(new String(credentials.getPassword())).isEqualTo("s3cret");
		assertThat(uri.isSsl()).isFalse();
	}

}
