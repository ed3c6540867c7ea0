package dev.shardpubsub.test;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link ServerVersion}: what {@code INFO server} says, read.
 */
class ServerVersionTests {

	@Test
	void redisIsReadFromRedisVersion() {
		ServerVersion version = ServerVersion.parse("# Server\r\nredis_version:7.0.15\r\nredis_mode:cluster\r\n");
		assertThat(version).isEqualTo(new ServerVersion("Redis", 7, 0, 15)).hasToString("Redis 7.0.15");
		assertThat(version.isValkey()).isFalse();
		assertThat(version.dropsSubscribersOnTakeover()).isFalse();
		assertThat(ServerVersion.parse("redis_version:7.2.6\n").dropsSubscribersOnTakeover()).isTrue();
		assertThat(ServerVersion.parse("redis_version:8.0.0\n").isAtLeast(7, 4)).isTrue();
	}

	@Test
	void valkeyIsReadFromItsOwnVersionNotTheCompatibleRedisVersion() {
		ServerVersion version = ServerVersion
			.parse("# Server\r\nredis_version:7.2.4\r\nserver_name:valkey\r\nvalkey_version:8.0.1\r\n");
		assertThat(version).hasToString("Valkey 8.0.1");
		assertThat(version.isValkey()).isTrue();
		assertThat(version.isAtLeast(8, 0)).isTrue();
		assertThat(version.dropsSubscribersOnTakeover()).isTrue();
	}

	@Test
	void missingVersionIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> ServerVersion.parse("# Server\r\nos:Linux\r\n"));
	}

}
