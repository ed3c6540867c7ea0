package dev.shardpubsub.benchmarks;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.shardpubsub.test.EmbeddedRedisCluster;
import dev.shardpubsub.test.RedisNode;

/**
 * Runs {@link ScaleMain} in a fresh JVM for one number of channels: cold subscribe, heap after GC, and the
 * re-route of one slot (moved by {@code redis-cli} processes) while all of them are subscribed.
 */
final class ScaleRun {

	private static final int MOVES = 3;

	private ScaleRun() {
	}

	static Result run(EmbeddedRedisCluster cluster, RedisCli cli, int count, PrintStream out) {
		List<String> command = ChildProcess.java(ScaleMain.class, List.of("-Xmx2g"),
				List.of(cluster.nodesProperty(), Integer.toString(count)));
		try (ChildProcess child = ChildProcess.start("scale-" + count, command, null, out)) {
			String[] cold = child.await("COLD", Duration.ofMinutes(6)).split(" ");
			String[] heap = child.await("HEAP", Duration.ofMinutes(1)).split(" ");
			int slot = Integer.parseInt(child.await("WATCHING", Duration.ofMinutes(1)).split(" ")[1]);
			List<Long> gaps = new ArrayList<>();
			List<Long> untilEvent = new ArrayList<>();
			for (int i = 0; i < MOVES; i++) {
				RedisNode source = cluster.ownerOf(slot);
				RedisNode target = MoveScenario.nextMaster(cluster, source);
				long start = System.nanoTime();
				cli.moveEmptySlot(slot, source, target, cluster.masters());
				String[] moved = child.await("MOVED", Duration.ofSeconds(20)).split(" ");
				gaps.add(Long.parseLong(moved[2]));
				untilEvent.add((Long.parseLong(moved[3]) - start) / 1000);
				cluster.operations().awaitAgreement(Duration.ofSeconds(30));
				MoveScenario.sleep(500);
			}
			child.send("exit");
			child.collectUntilExit("", Duration.ofMinutes(1));
			return new Result(count, Long.parseLong(cold[2]), Long.parseLong(cold[3]), cold[4].equals("complete"),
					Long.parseLong(heap[2]), Long.parseLong(heap[3]), gaps, untilEvent);
		}
	}

	/**
	 * One run.
	 *
	 * @param channels how many channels
	 * @param coldMillis from "Started" to all subscribed on the masters
	 * @param startMillis from launching Spring Boot to "Started"
	 * @param complete whether all were subscribed
	 * @param heapBytes heap used after GC with all subscribed
	 * @param heapBeforeBytes heap used after GC before Spring Boot started
	 * @param gapMicros the resubscribe gaps ({@code SubscriptionMovedEvent}) of the moves
	 * @param untilEventMicros from the first {@code redis-cli} command to the event, per move
	 */
	record Result(int channels, long coldMillis, long startMillis, boolean complete, long heapBytes,
			long heapBeforeBytes, List<Long> gapMicros, List<Long> untilEventMicros) {

		double heapMegabytes() {
			return this.heapBytes / 1024.0 / 1024.0;
		}

		String describe() {
			return String.format(Locale.ROOT,
					"%,d channels: subscribed on the masters %,d ms after \"Started\"%s (Spring Boot start %,d ms); "
							+ "heap after GC %.1f MB (%.1f MB before Spring Boot: %,d bytes per channel incl. the context); "
							+ "re-route of one slot: gap %s us, first redis-cli command -> event %s us",
					this.channels, this.coldMillis, this.complete ? "" : " (INCOMPLETE)", this.startMillis,
					heapMegabytes(), this.heapBeforeBytes / 1024.0 / 1024.0,
					(this.heapBytes - this.heapBeforeBytes) / this.channels, this.gapMicros, this.untilEventMicros);
		}

	}

}
