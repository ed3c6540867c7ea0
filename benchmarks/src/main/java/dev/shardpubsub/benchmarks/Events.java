package dev.shardpubsub.benchmarks;

import java.util.ArrayList;
import java.util.List;

/**
 * The disruptions of a run, in order, each with the moment its operation began. A message belongs to the window
 * from the start of the event before it to the start of the next one; {@link #IDLE} windows cover set-up steps
 * (loading keys, restarting a killed node) and the time before the first event.
 */
final class Events {

	static final String IDLE = "idle";

	static final String PLANNED = "planned move (empty slot)";

	static final String RESHARD = "reshard with keys";

	static final String FAILOVER = "CLUSTER FAILOVER";

	static final String KILL = "kill -9";

	static final List<String> KINDS = List.of(PLANNED, RESHARD, FAILOVER, KILL);

	private final List<Event> events = new ArrayList<>();

	private final int round;

	Events(int round) {
		this.round = round;
	}

	synchronized Event begin(String kind, int index, String detail) {
		Event event = new Event(this.round, kind, index, detail, System.nanoTime());
		this.events.add(event);
		return event;
	}

	synchronized void idle(String detail) {
		begin(IDLE, 0, detail);
	}

	synchronized List<Event> all() {
		return List.copyOf(this.events);
	}

	/**
	 * One disruption.
	 *
	 * @param round the round, from 1
	 * @param kind one of {@link #KINDS} or {@link #IDLE}
	 * @param index its number within its kind in its round, from 0
	 * @param detail what was done, e.g. the nodes
	 * @param startNanos when its operation began ({@link System#nanoTime()}, the same clock in every process of
	 * the machine)
	 */
	record Event(int round, String kind, int index, String detail, long startNanos) {

	}

}
