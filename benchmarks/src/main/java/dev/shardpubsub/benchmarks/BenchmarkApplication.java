package dev.shardpubsub.benchmarks;

import java.util.List;
import java.util.stream.IntStream;

import org.springframework.boot.Banner;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

import dev.shardpubsub.annotation.ShardListener;
import dev.shardpubsub.event.SubscriptionMovedEvent;

/**
 * The application under test: Spring Boot with the starter's auto-configuration at its defaults, the measured
 * {@link SequenceListener} and a second {@code @ShardListener} on the other channels (none of which is published
 * to), as an application with a few hundred channels has.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class BenchmarkApplication {

	@Bean
	SequenceListener sequenceListener(ReceiptLog receipts) {
		return new SequenceListener(receipts);
	}

	@Bean
	OtherChannels otherChannels() {
		return new OtherChannels();
	}

	/**
	 * Start the application against a cluster.
	 * @param nodes the cluster's nodes, {@code host:port,…}
	 * @param channel the measured channel
	 * @param otherChannels how many channels besides it
	 * @param receipts where the measured listener records
	 * @param moves gets the move events
	 * @return the running context
	 */
	static ConfigurableApplicationContext start(String nodes, String channel, int otherChannels, ReceiptLog receipts,
			ApplicationListener<SubscriptionMovedEvent> moves) {
		return new SpringApplicationBuilder(BenchmarkApplication.class).web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.logStartupInfo(false)
			.properties("spring.data.redis.cluster.nodes=" + nodes, "bench.channel=" + channel,
					"bench.other-channels=" + otherChannels)
			.listeners(moves)
			.initializers((context) -> context.getBeanFactory().registerSingleton("receiptLog", receipts))
			.run();
	}

	/**
	 * Channels {@code other:0} … spread over the slots; nothing is published on them.
	 * @param count how many
	 * @return the channels
	 */
	public static List<String> others(int count) {
		return IntStream.range(0, count).mapToObj((i) -> "other:" + i).toList();
	}

	/**
	 * The listener of the other channels.
	 */
	public static class OtherChannels {

		/**
		 * Ignore a message.
		 * @param payload the payload
		 */
		@ShardListener(id = "others",
				channels = "#{T(dev.shardpubsub.benchmarks.BenchmarkApplication).others(${bench.other-channels})}")
		public void onMessage(String payload) {
		}

	}

}
