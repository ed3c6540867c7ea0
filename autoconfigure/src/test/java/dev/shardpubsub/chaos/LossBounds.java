package dev.shardpubsub.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How many messages of the steady stream (acknowledged by the server, never received) one chaos event may lose, by
 * its kind. The probes the test publishes to every channel after an event are reported, not bounded: 500 channels
 * every 25 ms are far more traffic than the steady stream. Pub/sub is at most once, but the starter is built to lose next to nothing: at 2,500 msg/s over 500
 * channels a shard publishes about 830 msg/s, so 2 ms of deafness on every channel of a shard costs about 2
 * messages.
 * <ul>
 * <li>{@code chaos.max-lost-planned} (default 5): a reshard, a {@code CLUSTER FAILOVER}, a restart or a resume;
 * measured 0 on every server (7.0.15, 7.2.6, 7.4.1, Valkey 8.0.1) with the standby subscriptions.</li>
 * <li>{@code chaos.max-lost-crash} (default 10): a kill -9 (counted after the promotion: messages sent to the dead
 * master are never acknowledged) and a killed connection (the standby takes over without a command).</li>
 * <li>{@code chaos.max-lost-pause} (default 250): a frozen node. Nothing announces it: the liveness {@code PING}
 * notices it within about a second, and what the promoted replica delivered before is lost.</li>
 * </ul>
 */
final class LossBounds {

	static final int PLANNED = Integer.getInteger("chaos.max-lost-planned", 5);

	static final int CRASH = Integer.getInteger("chaos.max-lost-crash", 10);

	static final int PAUSE = Integer.getInteger("chaos.max-lost-pause", 250);

	private LossBounds() {
	}

	/**
	 * The most one event of a kind may lose.
	 * @param kind the event's kind, as the summary names it
	 * @return the bound
	 */
	static int of(String kind) {
		return switch (kind) {
			case "KILL", "CLIENT_KILL" -> CRASH;
			case "PAUSE" -> PAUSE;
			default -> PLANNED;
		};
	}

	/**
	 * The events that lost more than their kind allows.
	 * @param events each event's kind and loss
	 * @return one line per event over its bound
	 */
	static List<String> exceeded(List<Map.Entry<String, Integer>> events) {
		List<String> over = new ArrayList<>();
		for (int i = 0; i < events.size(); i++) {
			Map.Entry<String, Integer> event = events.get(i);
			int bound = of(event.getKey());
			if (event.getValue() > bound) {
				over.add("event #" + i + " (" + event.getKey() + ") lost " + event.getValue() + " message(s), more than "
						+ bound);
			}
		}
		return over;
	}

	/**
	 * One line for CI: the server, and events and losses by kind.
	 * @param server the server's name and version
	 * @param events each event's kind and loss
	 * @param duplicates duplicate deliveries
	 * @param published messages acknowledged by the server
	 * @return the line, starting with {@code CHAOS-SUMMARY}
	 */
	static String summaryLine(String server, List<Map.Entry<String, Integer>> events, long duplicates,
			long published) {
		Map<String, int[]> byKind = new TreeMap<>();
		for (Map.Entry<String, Integer> event : events) {
			int[] counts = byKind.computeIfAbsent(event.getKey(), (kind) -> new int[3]);
			counts[0]++;
			counts[1] += event.getValue();
			counts[2] = Math.max(counts[2], event.getValue());
		}
		StringBuilder line = new StringBuilder("CHAOS-SUMMARY server=").append(server)
			.append(" acked=").append(published)
			.append(" lost=").append(events.stream().mapToInt(Map.Entry::getValue).sum())
			.append(" duplicates=").append(duplicates)
			.append(" | by event (count/lost/max lost per event, bound):");
		byKind.forEach((kind, counts) -> line.append(' ')
			.append(kind)
			.append(' ')
			.append(counts[0])
			.append('/')
			.append(counts[1])
			.append('/')
			.append(counts[2])
			.append(" (<=")
			.append(of(kind))
			.append(')'));
		return line.toString();
	}

}
