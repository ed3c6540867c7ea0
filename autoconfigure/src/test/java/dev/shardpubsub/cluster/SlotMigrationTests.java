package dev.shardpubsub.cluster;

import java.util.Map;

import org.junit.jupiter.api.Test;


import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link SlotMigration}: the migrations a node reports about itself in {@code CLUSTER NODES}.
 */
class SlotMigrationTests {

	private static final NodeAddress SOURCE = new NodeAddress("127.0.0.1", 7000);

	private static final NodeAddress TARGET = new NodeAddress("127.0.0.1", 7001);

	private static final Map<String, NodeAddress> BY_ID = Map.of("aaaa", SOURCE, "bbbb", TARGET);

	@Test
	void theSourceReportsTheSlotsItMigratesAndTheirTarget() {
		String nodes = """
				aaaa 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460 [42->-bbbb] [77->-bbbb]
				bbbb 127.0.0.1:7001@17001 master - 0 1700000000000 2 connected 5461-10922
				""";
		assertThat(SlotMigration.parseMyself(nodes, BY_ID)).containsExactly(new SlotMigration(42, SOURCE, TARGET),
				new SlotMigration(77, SOURCE, TARGET));
	}

	@Test
	void theTargetReportsTheSlotsItImportsAndTheirSource() {
		String nodes = """
				aaaa 127.0.0.1:7000@17000 master - 0 1700000000000 1 connected 0-5460
				bbbb 127.0.0.1:7001@17001,host-b myself,master - 0 0 2 connected 5461-10922 [42-<-aaaa]
				""";
		assertThat(SlotMigration.parseMyself(nodes, BY_ID)).containsExactly(new SlotMigration(42, SOURCE, TARGET));
	}

	@Test
	void otherNodesLinesAndSlotRangesAreNoMigrations() {
		String nodes = """
				aaaa 127.0.0.1:7000@17000 master - 0 1700000000000 1 connected 0-5460 [42->-bbbb]
				bbbb 127.0.0.1:7001@17001 myself,master - 0 0 2 connected 5461-10922 12000
				""";
		assertThat(SlotMigration.parseMyself(nodes, BY_ID)).isEmpty();
	}

	@Test
	void aNodeNotInTheViewIsReportedAsUnknown() {
		String nodes = "aaaa 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460 [42->-cccc]\n";
		assertThat(SlotMigration.parseMyself(nodes, BY_ID)).containsExactly(new SlotMigration(42, SOURCE, null));
	}

}
