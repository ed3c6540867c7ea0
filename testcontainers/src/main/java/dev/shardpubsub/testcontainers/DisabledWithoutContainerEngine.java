package dev.shardpubsub.testcontainers;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Skips a test class (or method) with a message saying why when no container engine (Docker, or Podman's
 * Docker-compatible socket) is found, like Testcontainers' {@code @Testcontainers(disabledWithoutDocker = true)}
 * — except where containers are required: with the environment variable
 * {@code SHARD_PUBSUB_REQUIRE_CONTAINERS=1} (or the system property {@code shardpubsub.require-containers=true}) a
 * missing engine fails the tests instead, so that a CI run cannot pass by skipping them.
 */
@Target({ ElementType.TYPE, ElementType.METHOD })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(ContainerEngineCondition.class)
public @interface DisabledWithoutContainerEngine {

}
