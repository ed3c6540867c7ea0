package dev.shardpubsub.test;
