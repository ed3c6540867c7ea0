package dev.shardpubsub.testcontainers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.testcontainers.images.builder.Transferable;

import dev.shardpubsub.test.TlsCertificates;

/** TLS material for a {@link RedisClusterContainer} started with TLS, and the nodes' configuration for it. */
final class ContainerTls {

	private static final String DIRECTORY = "/tmp/tls/";

	private ContainerTls() {
	}

	/**
	 * Make a CA and a server certificate on the host, have them copied into the container at its creation, and add
	 * the nodes' TLS configuration.
	 * @param container the container, not yet created
	 * @param config the nodes' configuration, to add to
	 * @return the material, for the clients on the host
	 */
	static TlsCertificates copyTo(RedisClusterContainer container, Map<String, String> config) {
		try {
			TlsCertificates certificates = TlsCertificates.generate(Files.createTempDirectory("shard-pubsub-tls"));
			copy(container, certificates.caCertificate(), "ca.crt");
			copy(container, certificates.certificate(), "redis.crt");
			copy(container, certificates.privateKey(), "redis.key");
			config.put("tls-cert-file", DIRECTORY + "redis.crt");
			config.put("tls-key-file", DIRECTORY + "redis.key");
			config.put("tls-ca-cert-file", DIRECTORY + "ca.crt");
			config.put("tls-cluster", "yes");
			config.put("tls-replication", "yes");
			config.put("tls-auth-clients", "no");
			return certificates;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not make the cluster's TLS material", ex);
		}
	}

	private static void copy(RedisClusterContainer container, Path file, String name) throws IOException {
		container.withCopyToContainer(Transferable.of(Files.readAllBytes(file), 0644), DIRECTORY + name);
	}

}
