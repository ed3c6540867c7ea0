package dev.shardpubsub.testcontainers;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

/**
 * The condition behind {@link DisabledWithoutContainerEngine}.
 */
public class ContainerEngineCondition implements ExecutionCondition {

	/** The environment variable that turns a missing container engine from a skip into a failure. */
	public static final String REQUIRE_ENVIRONMENT_VARIABLE = "SHARD_PUBSUB_REQUIRE_CONTAINERS";

	/** The system property that does the same. */
	public static final String REQUIRE_PROPERTY = "shardpubsub.require-containers";

	@Override
	public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
		if (DockerClientFactory.instance().isDockerAvailable()) {
			return ConditionEvaluationResult.enabled("A container engine was found");
		}
		String message = "No container engine found (no Docker, and no Podman socket in DOCKER_HOST)";
		if (isRequired()) {
			throw new IllegalStateException(message + ", but " + REQUIRE_ENVIRONMENT_VARIABLE + "=1 or -D"
					+ REQUIRE_PROPERTY + "=true requires one: the container tests must run here");
		}
		return ConditionEvaluationResult.disabled(message + ": the Redis Cluster container tests are skipped");
	}

	static boolean isRequired() {
		String variable = System.getenv(REQUIRE_ENVIRONMENT_VARIABLE);
		return "1".equals(variable) || "true".equalsIgnoreCase(variable) || Boolean.getBoolean(REQUIRE_PROPERTY);
	}

}
