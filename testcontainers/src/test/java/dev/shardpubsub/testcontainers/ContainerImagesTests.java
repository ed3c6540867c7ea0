package dev.shardpubsub.testcontainers;

import org.junit.jupiter.api.Test;
import org.testcontainers.utility.DockerImageName;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Official images named by their short name are named in full, so that Spring Boot's standalone Redis
 * {@code @ServiceConnection} factory (which claims the repository {@code redis}) leaves the container to ours.
 */
class ContainerImagesTests {

	@Test
	void shortOfficialNamesAreQualified() {
		DockerImageName image = ContainerImages.qualified(DockerImageName.parse("redis:7.4"));
		assertThat(image.asCanonicalNameString()).isEqualTo("docker.io/library/redis:7.4");
		assertThat(image.getRepository()).isEqualTo("library/redis");
		assertThat(image.isCompatibleWith(DockerImageName.parse("redis"))).isTrue();
	}

	@Test
	void otherNamesAreKept() {
		assertThat(ContainerImages.qualified(DockerImageName.parse("valkey/valkey:8")).asCanonicalNameString())
			.isEqualTo("valkey/valkey:8");
		assertThat(ContainerImages.qualified(DockerImageName.parse("registry.example/redis:7.4"))
			.asCanonicalNameString()).isEqualTo("registry.example/redis:7.4");
	}

	@Test
	void startScriptQuotesEveryArgument() {
		assertThat(ClusterStartScript.quote("it's")).isEqualTo("'it'\"'\"'s'");
		assertThat(ClusterStartScript.nodeArguments(7000, 17000, "127.0.0.1", java.time.Duration.ofSeconds(1), false,
				java.util.Map.of("requirepass", "x"))).containsSequence("--cluster-port", "17000")
			.containsSequence("--cluster-announce-port", "7000")
			.containsSequence("--requirepass", "x");
	}

}
