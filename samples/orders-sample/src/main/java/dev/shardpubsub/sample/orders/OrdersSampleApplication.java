package dev.shardpubsub.sample.orders;

import java.util.Arrays;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;

import dev.shardpubsub.sample.orders.demo.LiveDemo;

/**
 * A sample application: {@code @ShardListener} methods receive orders over sharded pub/sub while a slot moves
 * under them. Without {@code spring.data.redis.cluster.nodes} it starts a local cluster of {@code redis-server}
 * processes (3 masters, 3 replicas) for itself. With {@code demo} as its first argument it runs the live demo
 * instead ({@link LiveDemo}).
 */
@SpringBootApplication
public class OrdersSampleApplication {

	public static void main(String[] args) throws Exception {
		if (args.length > 0 && args[0].equals("demo")) {
			// The live demo (./demo): starts a cluster, this application in a JVM of its own, and a publisher.
			System.exit(LiveDemo.run(Arrays.copyOfRange(args, 1, args.length)));
		}
		LocalCluster.startUnlessConfigured(args);
		ConfigurableApplicationContext context = SpringApplication.run(OrdersSampleApplication.class, args);
		if (context.getEnvironment().getProperty("sample.exit-when-done", Boolean.class, true)) {
			System.exit(SpringApplication.exit(context));
		}
	}

}
