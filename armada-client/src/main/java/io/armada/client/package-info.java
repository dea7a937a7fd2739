/** The Java client of Armada's public API: {@code ArmadaClient} and its typed results. */
package io.armada.client;
