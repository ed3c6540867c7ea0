package dev.shardpubsub.benchmarks;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How {@link EventTable} charges lost and duplicated messages to events (no timing is asserted).
 */
class EventTableTests {

	@Test
	void messagesAreChargedToTheEventInWhoseWindowTheyWereSent() {
		// one message per ms: 0-9 before the first event, 10-19 the first move, 20-29 the second
		PublishLog published = new PublishLog(30);
		for (int seq = 0; seq < 30; seq++) {
			published.published(seq, seq * 1_000_000L, 0, 1);
		}
		List<Events.Event> events = List.of(new Events.Event(1, Events.IDLE, 0, "before", 0),
				new Events.Event(1, Events.PLANNED, 0, "first", 10_000_000L),
				new Events.Event(1, Events.PLANNED, 1, "second", 20_000_000L));
		byte[] ours = counts(30);
		ours[12] = 0;
		ours[25] = 2;
		byte[] theirs = counts(30);
		theirs[21] = 0;
		theirs[22] = 0;
		EventTable table = new EventTable(
				List.of(new MoveScenario.Outcome(1, events, published, ours, theirs, List.of())), 1000);
		EventTable.Summary planned = table.summaries().get(0);
		assertThat(planned.kind()).isEqualTo(Events.PLANNED);
		assertThat(planned.oursFirst()).isEqualTo(1.0);
		assertThat(planned.theirsFirst()).isEqualTo(0.0);
		assertThat(planned.oursSteady()).isEqualTo(0.0);
		assertThat(planned.theirsSteady()).isEqualTo(2.0);
		assertThat(planned.oursDuplicates()).isEqualTo(1);
		assertThat(EventTable.ratio(planned.oursSteady(), planned.theirsSteady())).isEqualTo("0.00");
	}

	@Test
	void onlyMessagesPublishedOnAMasterCount() {
		PublishLog published = new PublishLog(4);
		published.published(0, 1, 0, 1);
		published.onReplica(1, 2, 3);
		published.failed(2, 3);
		published.skipped(3, 4);
		List<Events.Event> events = List.of(new Events.Event(1, Events.KILL, 0, "kill", 0));
		EventTable table = new EventTable(
				List.of(new MoveScenario.Outcome(1, events, published, new byte[4], new byte[4], List.of())), 1000);
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		table.printEvents(new PrintStream(out, true, StandardCharsets.UTF_8));
		assertThat(table.summaries().get(0).oursFirst()).isEqualTo(1.0);
		assertThat(out.toString(StandardCharsets.UTF_8)).contains("kill -9").contains("1/0");
	}

	@Test
	void aRatioWithNothingLostOnEitherSideSaysSo() {
		assertThat(EventTable.ratio(0, 0)).isEqualTo("0/0");
		assertThat(EventTable.ratio(2, 0)).isEqualTo("inf");
		assertThat(EventTable.ratio(1, 4)).isEqualTo("0.25");
	}

	private static byte[] counts(int size) {
		byte[] counts = new byte[size];
		Arrays.fill(counts, (byte) 1);
		return counts;
	}

}
