package dev.shardpubsub.node;

import java.util.List;

import io.lettuce.core.RedisCommandExecutionException;
import org.junit.jupiter.api.Test;

import dev.shardpubsub.node.SubscribeRejectedException.Reason;
import dev.shardpubsub.cluster.NodeAddress;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link SubscribeRejectedException#of}: the server's refusals, explained.
 */
class SubscribeRejectedExceptionTests {

	private static final NodeAddress NODE = new NodeAddress("127.0.0.1", 7000);

	@Test
	void unknownCommandSaysRedis7IsNeeded() {
		SubscribeRejectedException rejected = of(true, List.of("orders:{eu}"),
				"ERR unknown command 'SSUBSCRIBE', with args beginning with: 'orders:{eu}' ");
		assertThat(rejected.getReason()).isEqualTo(Reason.COMMAND_NOT_AVAILABLE);
		assertThat(rejected).hasMessageStartingWith("SSUBSCRIBE is not available on 127.0.0.1:7000 ('ERR unknown command")
			.hasMessageContaining("sharded pub/sub needs Redis 7.0 or newer")
			.hasMessageContaining("[orders:{eu}]");
	}

	@Test
	void forbiddenChannelIsNamed() {
		SubscribeRejectedException rejected = of(true, List.of("secret:{x}"),
				"NOPERM this user has no permissions to access one of the channels used as arguments");
		assertThat(rejected.getReason()).isEqualTo(Reason.CHANNEL_NOT_PERMITTED);
		assertThat(rejected.getChannels()).containsExactly("secret:{x}");
		assertThat(rejected).hasMessageStartingWith("Permission denied for channel [secret:{x}] on 127.0.0.1:7000")
			.hasMessageContaining("NOPERM")
			.hasMessageContaining("&pattern");
	}

	@Test
	void forbiddenChannelAmongOthersOfItsSlotSaysTheSlotFailsAsAWhole() {
		SubscribeRejectedException rejected = of(true, List.of("orders:{s}", "secret:{s}"),
				"NOPERM this user has no permissions to access one of the channels used as arguments");
		assertThat(rejected).hasMessageStartingWith("Permission denied for one of the channels [orders:{s}, secret:{s}]")
			.hasMessageContaining("a forbidden channel fails its whole slot");
	}

	@Test
	void forbiddenCommandSaysWhatToGrant() {
		SubscribeRejectedException rejected = of(false, List.of("orders:{eu}"),
				"NOPERM this user has no permissions to run the 'sunsubscribe' command");
		assertThat(rejected.getReason()).isEqualTo(Reason.COMMAND_NOT_PERMITTED);
		assertThat(rejected).hasMessageStartingWith("The Redis user may not run SUNSUBSCRIBE on 127.0.0.1:7000")
			.hasMessageContaining("grant it +sunsubscribe or +@pubsub");
	}

	@Test
	void wordingOfRedis72AndValkeyIsUnderstoodToo() {
		SubscribeRejectedException channel = of(true, List.of("secret:{x}"), "NOPERM No permissions to access a channel");
		assertThat(channel.getReason()).isEqualTo(Reason.CHANNEL_NOT_PERMITTED);
		assertThat(channel).hasMessageStartingWith("Permission denied for channel [secret:{x}] on 127.0.0.1:7000 ('NOPERM ");
		SubscribeRejectedException command = of(true, List.of("orders:{eu}"),
				"NOPERM User app has no permissions to run the 'ssubscribe' command");
		assertThat(command.getReason()).isEqualTo(Reason.COMMAND_NOT_PERMITTED);
		assertThat(command).hasMessageStartingWith("The Redis user may not run SSUBSCRIBE on 127.0.0.1:7000 ('NOPERM ")
			.hasMessageContaining("grant it +ssubscribe or +@pubsub");
	}

	@Test
	void userNamedLikeAChannelIsNotTakenForAForbiddenChannel() {
		SubscribeRejectedException rejected = of(true, List.of("orders:{eu}"),
				"NOPERM User channel-reader has no permissions to run the 'ssubscribe' command");
		assertThat(rejected.getReason()).isEqualTo(Reason.COMMAND_NOT_PERMITTED);
	}

	@Test
	void otherErrorsAreLeftAlone() {
		assertThat(of(true, List.of("a"), "CROSSSLOT Keys in request don't hash to the same slot")).isNull();
		assertThat(of(true, List.of("a"), "MOVED 15495 127.0.0.1:7002")).isNull();
	}

	private static SubscribeRejectedException of(boolean subscribe, List<String> channels, String answer) {
		return SubscribeRejectedException.of(NODE, subscribe, channels, new RedisCommandExecutionException(answer));
	}

}
