package dev.shardpubsub.node;

import java.util.concurrent.CompletionException;

import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;

/**
 * What the starter's Lettuce connections share: the codec of channel names and payloads, and how a failed future's
 * cause is read.
 */
public final class LettuceSupport {

	/**
	 * Channel names as UTF-8 strings, payloads as the bytes they are: the codec of every connection the starter
	 * opens.
	 */
	public static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

	private LettuceSupport() {
	}

	/**
	 * Return the cause of a {@link CompletionException}, or the error itself.
	 * @param error what a future completed with
	 * @return the error that really happened
	 */
	public static Throwable unwrap(Throwable error) {
		return (error instanceof CompletionException && error.getCause() != null) ? error.getCause() : error;
	}

}
