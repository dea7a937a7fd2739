/** `armada verify`: fault scenarios (crashes, partitions, pauses) run against a local topology of real processes, with their histories checked. */
package io.armada.testkit.verify;
