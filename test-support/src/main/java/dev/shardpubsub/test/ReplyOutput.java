package dev.shardpubsub.test;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.CommandOutput;

/**
 * Decodes any reply into plain Java values (String, Long, Double, Boolean, nested Lists, null), for
 * {@link RedisNode#execute(String, String...)}. Lettuce's own {@code ObjectOutput} fails on status replies in
 * 6.8.2, so nesting is tracked here by counting the elements each array still expects.
 */
final class ReplyOutput extends CommandOutput<String, String, Object> {

	private final Deque<OpenArray> open = new ArrayDeque<>();

	ReplyOutput() {
		super(StringCodec.UTF8, null);
	}

	@Override
	public void set(ByteBuffer bytes) {
		add((bytes != null) ? StringCodec.UTF8.decodeValue(bytes) : null);
	}

	@Override
	public void setSingle(ByteBuffer bytes) {
		set(bytes);
	}

	@Override
	public void setBigNumber(ByteBuffer bytes) {
		set(bytes);
	}

	@Override
	public void set(long integer) {
		add(integer);
	}

	@Override
	public void set(double number) {
		add(number);
	}

	@Override
	public void set(boolean value) {
		add(value);
	}

	@Override
	public void multi(int count) {
		if (count < 0) {
			add(null);
			return;
		}
		List<Object> list = new ArrayList<>(count);
		add(list);
		if (count > 0) {
			this.open.push(new OpenArray(list, count));
		}
	}

	@Override
	public void multiMap(int count) {
		// RESP3 maps arrive as flat key/value lists; this client speaks RESP2 anyway.
		multi((count < 0) ? count : count * 2);
	}

	private void add(Object value) {
		OpenArray parent = this.open.peek();
		if (parent == null) {
			this.output = value;
			return;
		}
		parent.list.add(value);
		parent.remaining--;
		while (!this.open.isEmpty() && this.open.peek().remaining == 0) {
			this.open.pop();
		}
	}

	private static final class OpenArray {

		final List<Object> list;

		int remaining;

		OpenArray(List<Object> list, int remaining) {
			this.list = list;
			this.remaining = remaining;
		}

	}

}
