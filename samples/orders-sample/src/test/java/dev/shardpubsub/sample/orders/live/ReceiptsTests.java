package dev.shardpubsub.sample.orders.live;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the live demo counts: missing numbers as ranges below the highest, second copies, silences per window.
 */
class ReceiptsTests {

	private final Receipts receipts = new Receipts();

	@Test
	void missingNumbersBelowTheHighestAreReportedAsRanges() {
		for (long seq : new long[] { 1, 2, 5, 6, 9 }) {
			this.receipts.record("orders.1", seq, "127.0.0.1:7000");
		}
		Receipts.ChannelReceipts channel = this.receipts.all().get("orders.1");
		assertThat(channel.highest()).isEqualTo(9);
		assertThat(channel.received()).isEqualTo(5);
		assertThat(channel.missing()).containsExactly(new long[] { 3, 4 }, new long[] { 7, 8 });
		assertThat(channel.duplicates()).isZero();
	}

	@Test
	void aSecondCopyIsCountedWithItsNumber() {
		this.receipts.record("orders.1", 1, "127.0.0.1:7000");
		this.receipts.record("orders.1", 2, "127.0.0.1:7000");
		this.receipts.record("orders.1", 2, "127.0.0.1:7003");
		Receipts.ChannelReceipts channel = this.receipts.all().get("orders.1");
		assertThat(channel.duplicates()).isEqualTo(1);
		assertThat(channel.duplicated()).isEqualTo(List.of(2L));
		assertThat(channel.missing()).isEmpty();
	}

	@Test
	void aWindowMeasuresTheSilenceSinceItOpened() throws InterruptedException {
		this.receipts.record("orders.1", 1, "127.0.0.1:7000");
		Thread.sleep(60);
		this.receipts.openWindow();
		assertThat(this.receipts.windowSilences().get("orders.1")).isLessThan(50);
		Thread.sleep(60);
		this.receipts.record("orders.1", 2, "127.0.0.1:7000");
		assertThat(this.receipts.windowSilences().get("orders.1")).isBetween(50L, 1000L);
		assertThat(this.receipts.highest()).containsEntry("orders.1", 2L);
	}

}
