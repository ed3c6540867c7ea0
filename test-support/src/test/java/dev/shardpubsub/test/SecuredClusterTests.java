package dev.shardpubsub.test;

import java.nio.file.Files;
import java.time.Duration;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Clusters with passwords, ACL users, extra configuration and TLS: the kit's own connections (setup, replication,
 * slot moves) authenticate, and nothing is served in plaintext when TLS is on.
 */
class SecuredClusterTests {

	@Test
	void aclOnlyClusterRefusesTheDefaultUserAndStillMovesSlots() {
		try (EmbeddedRedisCluster cluster = EmbeddedRedisCluster.builder()
			.masters(2)
			.replicasPerMaster(1)
			.adminUser("admin", "adminpw")
			.aclUser("app", "apppw", "resetchannels &orders:* +@pubsub")
			.config("acllog-max-len", "64")
			.start()) {
			RedisNode node = cluster.nodes().get(0);
			assertThat(node.execute("ACL", "WHOAMI")).isEqualTo("admin");
			assertThat(node.execute("CONFIG", "GET", "acllog-max-len").toString()).contains("64");
			assertThat(String.valueOf(node.execute("ACL", "LIST"))).contains("user default off")
				.contains("user app on")
				.contains("&orders:*");
			// Replication authenticates too: every replica is in sync with its master.
			for (RedisNode replica : cluster.replicas()) {
				assertThat(replica.commands().info("replication")).contains("master_link_status:up");
			}
			RedisClient plain = RedisClient.create();
			try {
				assertThatExceptionOfType(RedisConnectionException.class)
					.isThrownBy(() -> plain.connect(RedisURI.create(node.host(), node.port())).sync().ping())
					.withStackTraceContaining("NOAUTH");
			}
			finally {
				plain.shutdown(Duration.ZERO, Duration.ofSeconds(1));
			}
			RedisNode target = cluster.masters().get(1);
			int slot = cluster.slotOf("orders:{moved}");
			cluster.operations().setSlotNode(slot, target);
			assertThat(cluster.ownerOf(slot)).isEqualTo(target);
		}
	}

	@Test
	void passwordClusterAuthenticatesItsOwnConnections() {
		try (EmbeddedRedisCluster cluster = EmbeddedRedisCluster.builder()
			.masters(1)
			.replicasPerMaster(1)
			.password("s3cret")
			.start()) {
			assertThat(cluster.replicas().get(0).commands().info("replication")).contains("master_link_status:up");
			assertThat(cluster.nodes().get(0).execute("CONFIG", "GET", "requirepass").toString()).contains("s3cret");
		}
	}

	@Test
	void tlsClusterServesNoPlaintextPort() throws Exception {
		try (EmbeddedRedisCluster cluster = EmbeddedRedisCluster.builder()
			.masters(1)
			.replicasPerMaster(1)
			.tls()
			.start()) {
			TlsCertificates tls = cluster.tlsCertificates();
			assertThat(tls.caCertificate()).exists();
			assertThat(Files.readString(tls.certificate())).contains("BEGIN CERTIFICATE");
			RedisNode master = cluster.nodes().get(0);
			assertThat(master.execute("CONFIG", "GET", "port").toString()).contains("0]");
			assertThat(master.execute("CONFIG", "GET", "tls-port").toString()).contains(Integer.toString(master.port()));
			assertThat(master.commands().clusterNodes()).contains(":" + master.port() + "@");
			assertThat(cluster.replicas().get(0).commands().info("replication")).contains("master_link_status:up");

			RedisClient client = RedisClient.create();
			try {
				// Plaintext to the node's only port: the TLS handshake never completes, so no command is answered.
				assertThatExceptionOfType(Exception.class).isThrownBy(() -> {
					RedisURI plain = RedisURI.builder().withHost(master.host()).withPort(master.port())
						.withTimeout(Duration.ofSeconds(1)).build();
					try (StatefulRedisConnection<String, String> connection = client.connect(plain)) {
						connection.sync().ping();
					}
				});
				client.setOptions(ClientOptions.builder()
					.sslOptions(SslOptions.builder().jdkSslProvider().trustManager(tls.caCertificate().toFile()).build())
					.build());
				RedisURI secure = RedisURI.builder().withHost(master.host()).withPort(master.port()).withSsl(true).build();
				try (StatefulRedisConnection<String, String> connection = client.connect(secure)) {
					assertThat(connection.sync().ping()).isEqualTo("PONG");
				}
			}
			finally {
				client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
			}
		}
	}

}
