package dev.shardpubsub.sample.orders.live;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.context.annotation.Profile;
import org.springframework.stereotype.Component;

/**
 * The live demo's channel groups, from {@code application.yml} ({@code sample.live.groups}): group name to prefix and
 * count. A group's channels are {@code <prefix>0} to {@code <prefix><count - 1>}, so a few hundred channels spread
 * over all slots and every master.
 */
@Component
@Profile("demo")
@ConfigurationProperties("sample.live")
public class LiveChannels {

	private final Map<String, Group> groups = new LinkedHashMap<>();

	public Map<String, Group> getGroups() {
		return this.groups;
	}

	/**
	 * The channels of one group, for {@code @ShardListener(channels = "#{@liveChannels.of('orders')}")}.
	 * @param group the group name
	 * @return its channels
	 */
	public List<String> of(String group) {
		Group settings = this.groups.get(group);
		if (settings == null) {
			throw new IllegalArgumentException("No channel group '" + group + "' under sample.live.groups");
		}
		List<String> channels = new ArrayList<>(settings.getCount());
		for (int i = 0; i < settings.getCount(); i++) {
			channels.add(settings.getPrefix() + i);
		}
		return channels;
	}

	/** @return every group's channels, by group */
	public Map<String, List<String>> all() {
		Map<String, List<String>> all = new LinkedHashMap<>();
		this.groups.keySet().forEach((group) -> all.put(group, of(group)));
		return all;
	}

	/**
	 * One group of channels.
	 */
	public static class Group {

		/** Channel name prefix. */
		private String prefix = "";

		/** Number of channels. */
		private int count;

		public String getPrefix() {
			return this.prefix;
		}

		public void setPrefix(String prefix) {
			this.prefix = prefix;
		}

		public int getCount() {
			return this.count;
		}

		public void setCount(int count) {
			this.count = count;
		}

	}

}
