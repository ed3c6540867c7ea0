package dev.shardpubsub.benchmarks;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.support.GenericApplicationContext;

import dev.shardpubsub.autoconfigure.ShardPubSubProperties;
import dev.shardpubsub.node.ClusterClientProvider;
import dev.shardpubsub.node.NodeSubscriptionClient;
import dev.shardpubsub.test.EmbeddedRedisCluster;
import dev.shardpubsub.topology.LettuceClusterTopology;
import dev.shardpubsub.topology.TopologyWatcher;

/**
 * The application under test: Spring Boot with the shard pub/sub starter's auto-configuration, default settings,
 * and one {@link SequenceListener}.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class BenchmarkApplication {

	@Bean
	SequenceListener sequenceListener(ReceiptLog receipts) {
		return new SequenceListener(receipts);
	}

	/**
	 * Start the application against a cluster.
	 * @param cluster the cluster
	 * @param settings the benchmark settings
	 * @param receipts where the listener records
	 * @param moves collects the move events
	 * @param trace where to time the reconciler's commands, or {@code null} not to (the
	 * {@code keep-connections} experiment needs it)
	 * @return the running context
	 */
	static ConfigurableApplicationContext start(EmbeddedRedisCluster cluster, BenchmarkSettings settings,
			ReceiptLog receipts, MoveEventLog moves, SubscribeTrace trace) {
		return new SpringApplicationBuilder(BenchmarkApplication.class).web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.logStartupInfo(false)
			.properties("spring.data.redis.cluster.nodes=" + cluster.nodesProperty(),
					"bench.channel=" + settings.channel())
			.listeners(moves)
			.initializers((context) -> {
				context.getBeanFactory().registerSingleton("receiptLog", receipts);
				if (settings.experiment("async-refresh") || settings.experiment("refresh-on-push")) {
					((GenericApplicationContext) context).registerBean("experimentalTopologyWatcher",
							TopologyWatcher.class,
							() -> new ExperimentalTopologyWatcher(
									new LettuceClusterTopology(context.getBean(ClusterClientProvider.class)), context,
									context.getBean(ShardPubSubProperties.class).getTopology().getRefreshPeriod(),
									settings.experiment("async-refresh"), settings.experiment("refresh-on-push")));
				}
				if (trace != null) {
					context.getBeanFactory().addBeanPostProcessor(new BeanPostProcessor() {

						@Override
						public Object postProcessAfterInitialization(Object bean, String beanName) {
							return (bean instanceof NodeSubscriptionClient client
									&& !(bean instanceof TracingNodeSubscriptionClient))
											? new TracingNodeSubscriptionClient(client, trace,
													settings.experiment("keep-connections"))
											: bean;
						}

					});
				}
			})
			.run();
	}

}
