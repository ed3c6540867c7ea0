package dev.shardpubsub.listener;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The default {@link ShardListenerErrorHandler}: logs the failure at ERROR, naming the listener, its method and the
 * channel, with the cause.
 */
public class LoggingShardListenerErrorHandler implements ShardListenerErrorHandler {

	private static final Log logger = LogFactory.getLog(LoggingShardListenerErrorHandler.class);

	@Override
	public void handle(ShardMessage message, ShardListenerExecutionFailedException exception) {
		logger.error(exception.getMessage() + " (slot " + message.slot() + ", node " + message.node() + ")",
				exception.getCause());
	}

}
