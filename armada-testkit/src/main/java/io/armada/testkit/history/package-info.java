/** Histories of client operations (invocations and their outcomes) recorded by concurrent workers, for the checkers. */
package io.armada.testkit.history;
