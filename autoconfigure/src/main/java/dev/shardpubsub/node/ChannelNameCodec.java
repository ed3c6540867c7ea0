package dev.shardpubsub.node;

import java.nio.ByteBuffer;
import java.util.function.UnaryOperator;

import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.codec.ToByteBufEncoder;
import io.netty.buffer.ByteBuf;

/**
 * The codec of our pub/sub connections: channel names as UTF-8 strings, payloads as bytes.
 * <p>
 * A decoded channel name is replaced by the instance the application already holds for it (when it has one): each
 * connection records the channels it subscribed, and with 100,000 channels on a master and on its replica, copies
 * of every name would cost more heap than the rest of a channel's state. Encodes straight into Netty's buffers.
 */
final class ChannelNameCodec implements RedisCodec<String, byte[]>, ToByteBufEncoder<String, byte[]> {

	private static final StringCodec NAMES = StringCodec.UTF8;

	private static final ByteArrayCodec PAYLOADS = ByteArrayCodec.INSTANCE;

	private volatile UnaryOperator<String> canonical = UnaryOperator.identity();

	/**
	 * Set what gives the held instance of a channel name.
	 * @param canonical the held instance of a name, or the name itself
	 */
	void setCanonical(UnaryOperator<String> canonical) {
		this.canonical = canonical;
	}

	@Override
	public String decodeKey(ByteBuffer bytes) {
		return this.canonical.apply(NAMES.decodeKey(bytes));
	}

	@Override
	public byte[] decodeValue(ByteBuffer bytes) {
		return PAYLOADS.decodeValue(bytes);
	}

	@Override
	public ByteBuffer encodeKey(String key) {
		return NAMES.encodeKey(key);
	}

	@Override
	public ByteBuffer encodeValue(byte[] value) {
		return PAYLOADS.encodeValue(value);
	}

	@Override
	public void encodeKey(String key, ByteBuf target) {
		NAMES.encodeKey(key, target);
	}

	@Override
	public void encodeValue(byte[] value, ByteBuf target) {
		PAYLOADS.encodeValue(value, target);
	}

	@Override
	public int estimateSize(Object keyOrValue) {
		return (keyOrValue instanceof byte[]) ? PAYLOADS.estimateSize(keyOrValue) : NAMES.estimateSize(keyOrValue);
	}

}
