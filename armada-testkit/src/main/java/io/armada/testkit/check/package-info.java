/** History checkers: linearizability of each key's register (WGL search), revision order, and what writes of unknown outcome may have done. */
package io.armada.testkit.check;
