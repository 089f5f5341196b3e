/**
 * The {@code walloc} command line and its {@code demo}: an embedded asset server on 127.0.0.1
 * ({@link io.walloc.demo.SampleServer}) and the loading of its assets into the tiers with a
 * progress bar ({@link io.walloc.demo.DemoCommand}). Run by {@code ./walloc} at the repository root.
 */
package io.walloc.demo;
