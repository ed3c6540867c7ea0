package dev.shardpubsub.sample.orders;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A sample application: {@code @ShardListener} methods receive orders over sharded pub/sub while a slot moves
 * under them. Without {@code spring.data.redis.cluster.nodes} it starts a local cluster of {@code redis-server}
 * processes (3 masters, 3 replicas) for itself.
 */
@SpringBootApplication
public class OrdersSampleApplication {

	public static void main(String[] args) {
		LocalCluster.startUnlessConfigured(args);
		ConfigurableApplicationContext context = SpringApplication.run(OrdersSampleApplication.class, args);
		if (context.getEnvironment().getProperty("sample.exit-when-done", Boolean.class, true)) {
			System.exit(SpringApplication.exit(context));
		}
	}

}
