/** A FUSE filesystem that loses what was not fsynced, for power-loss tests. */
package io.armada.testkit.fuse;
