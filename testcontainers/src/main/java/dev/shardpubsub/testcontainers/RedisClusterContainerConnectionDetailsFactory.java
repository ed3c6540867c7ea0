package dev.shardpubsub.testcontainers;

import java.util.List;

import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.testcontainers.service.connection.ContainerConnectionDetailsFactory;
import org.springframework.boot.testcontainers.service.connection.ContainerConnectionSource;

/**
 * {@code @ServiceConnection} for a {@link RedisClusterContainer}: Spring Boot's Redis connection details in their
 * cluster flavour ({@link DataRedisConnectionDetails#getCluster()}, every node as the host reaches it) with the
 * container's password, whatever the image is called. Registered in {@code META-INF/spring.factories}, as Spring
 * Boot registers its own factories.
 */
public class RedisClusterContainerConnectionDetailsFactory
		extends ContainerConnectionDetailsFactory<RedisClusterContainer, DataRedisConnectionDetails> {

	/** Create the factory (Spring Boot does, from {@code spring.factories}). */
	public RedisClusterContainerConnectionDetailsFactory() {
		super(ANY_CONNECTION_NAME, "org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails");
	}

	@Override
	protected DataRedisConnectionDetails getContainerConnectionDetails(
			ContainerConnectionSource<RedisClusterContainer> source) {
		return new RedisClusterContainerConnectionDetails(source);
	}

	/** The details, read from the container once it has started. */
	static final class RedisClusterContainerConnectionDetails extends ContainerConnectionDetails<RedisClusterContainer>
			implements DataRedisConnectionDetails {

		RedisClusterContainerConnectionDetails(ContainerConnectionSource<RedisClusterContainer> source) {
			super(source);
		}

		@Override
		public Cluster getCluster() {
			List<Node> nodes = getContainer().nodes().stream()
				.map((node) -> new Node(node.host(), node.port()))
				.toList();
			return () -> nodes;
		}

		@Override
		public String getPassword() {
			return getContainer().getPassword();
		}

		@Override
		public SslBundle getSslBundle() {
			return super.getSslBundle();
		}

	}

}
