package dev.shardpubsub.testcontainers;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;

import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.boot.ssl.pem.PemSslStoreDetails;
import org.springframework.boot.testcontainers.service.connection.ContainerConnectionDetailsFactory;
import org.springframework.boot.testcontainers.service.connection.ContainerConnectionSource;

import dev.shardpubsub.test.TlsCertificates;

/**
 * {@code @ServiceConnection} for a {@link RedisClusterContainer}: Spring Boot's Redis connection details in their
 * cluster flavour ({@link DataRedisConnectionDetails#getCluster()}, every node as the host reaches it) with the
 * container's password and, for a container {@link RedisClusterContainer#withTls() with TLS}, an SSL bundle that
 * trusts its CA; whatever the image is called. Registered in {@code META-INF/spring.factories}, as Spring
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

		// An @Ssl annotation on the field wins; else a container with TLS brings the CA that signed its certificate.
		@Override
		public SslBundle getSslBundle() {
			SslBundle annotated = super.getSslBundle();
			TlsCertificates tls = getContainer().tlsCertificates();
			if (annotated != null || tls == null) {
				return annotated;
			}
			try {
				String ca = Files.readString(tls.caCertificate());
				return SslBundle.of(new PemSslStoreBundle(null, PemSslStoreDetails.forCertificate(ca)));
			}
			catch (IOException ex) {
				throw new IllegalStateException("Could not read the cluster's CA certificate", ex);
			}
		}

	}

}
