package dev.shardpubsub.test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Failures before a cluster exists: missing, too old, or crashing executables.
 */
class RedisServerBinaryTests {

	@TempDir
	Path temp;

	@Test
	void missingExecutableNamedBySystemPropertyExplainsHowToInstall() {
		String previous = System.setProperty(RedisServerBinary.SYSTEM_PROPERTY, "/nonexistent");
		try {
			assertThatIllegalStateException().isThrownBy(() -> EmbeddedRedisCluster.builder().start())
				.withMessageContaining("'/nonexistent' does not exist")
				.withMessageContaining("apt-get install -y redis-server")
				.withMessageContaining("shardpubsub.redis-server")
				.withMessageContaining("SHARD_PUBSUB_REDIS_SERVER");
		}
		finally {
			if (previous != null) {
				System.setProperty(RedisServerBinary.SYSTEM_PROPERTY, previous);
			}
			else {
				System.clearProperty(RedisServerBinary.SYSTEM_PROPERTY);
			}
		}
	}

	@Test
	void serverOlderThanSevenIsRefused() throws IOException {
		Path old = script("old-redis-server", "echo 'Redis server v=6.2.14 sha=00000000:0 malloc=libc bits=64'");
		assertThatIllegalStateException()
			.isThrownBy(() -> EmbeddedRedisCluster.builder().redisServer(old.toString()).start())
			.withMessageContaining("version 6.2.14")
			.withMessageContaining("7.0 or newer")
			.withMessageContaining("apt-get install -y redis-server");
	}

	@Test
	void startupFailureCarriesTheNodeLogAndCleansUp() throws IOException {
		Path crashing = script("crashing-redis-server", """
				if [ "$1" = "--version" ]; then echo 'Redis server v=7.0.15 sha=0 malloc=libc bits=64'; exit 0; fi
				echo '*** FATAL CONFIG FILE ERROR (fake) ***'
				exit 1""");
		Path work = Files.createDirectory(this.temp.resolve("work"));
		assertThatIllegalStateException()
			.isThrownBy(() -> EmbeddedRedisCluster.builder()
				.masters(1)
				.replicasPerMaster(0)
				.redisServer(crashing.toString())
				.directory(work)
				.start())
			.withMessageContaining("exited during startup with code 1")
			.withMessageContaining("FATAL CONFIG FILE ERROR (fake)");
		try (var leftovers = Files.list(work)) {
			assertThat(leftovers).isEmpty();
		}
	}

	private Path script(String name, String body) throws IOException {
		Path script = this.temp.resolve(name);
		Files.writeString(script, "#!/bin/sh\n" + body + "\n");
		Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
		return script;
	}

}
