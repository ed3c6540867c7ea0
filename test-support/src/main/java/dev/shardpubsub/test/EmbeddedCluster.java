package dev.shardpubsub.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.test.annotation.DirtiesContext;

/**
 * Runs the annotated test class against its own {@link EmbeddedRedisCluster}, like Spring Kafka's
 * {@code @EmbeddedKafka} does for Kafka.
 * <p>
 * One cluster is started per test class (before {@code @BeforeAll} methods) and stopped after the class. Declare a
 * parameter of type {@link EmbeddedRedisCluster} in the test constructor, a {@code @BeforeAll}/{@code @BeforeEach}
 * method or a test method to receive it. {@code @Nested} classes share the enclosing class's cluster.
 * <p>
 * <b>Spring tests.</b> When {@code spring-test} is on the class path, a {@code ContextCustomizerFactory} adds
 * {@code spring.data.redis.cluster.nodes=}{@link EmbeddedRedisCluster#nodesProperty()} to the test's Spring
 * {@code Environment} with the highest precedence, so a {@code @SpringBootTest} connects to the cluster with no
 * further wiring. Each annotated class gets its own context (the customizer is keyed by the test class). If Spring
 * loads the context before the extension's {@code beforeAll} (for example with
 * {@code @TestInstance(PER_CLASS)}), the customizer starts the cluster itself; the extension still stops it.
 * <p>
 * <b>Shutdown order.</b> This annotation is meta-annotated with {@link DirtiesContext @DirtiesContext}
 * (after the class), so the Spring context is closed by the {@code SpringExtension}'s {@code afterAll}. The
 * cluster is closed later, when JUnit closes the class-level extension store, which happens after every
 * {@code afterAll} callback whatever the order of extension registration. So listener containers and connection
 * factories shut down while the cluster is still reachable. Without Spring on the class path the
 * {@code @DirtiesContext} meta-annotation is ignored by the JVM.
 *
 * @see EmbeddedClusterExtension
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(EmbeddedClusterExtension.class)
@DirtiesContext
public @interface EmbeddedCluster {

	/** @return number of masters; the 16384 slots are spread evenly over them */
	int masters() default 3;

	/** @return replicas per master */
	int replicasPerMaster() default 1;

	/** @return {@code cluster-node-timeout} in milliseconds: how fast a crashed master is failed over */
	long nodeTimeoutMillis() default 1000;

	/**
	 * @return {@code cluster-require-full-coverage}: whether the cluster refuses queries while a slot has no owner
	 */
	boolean requireFullCoverage() default true;

}
