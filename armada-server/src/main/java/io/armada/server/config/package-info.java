/** A node's configuration: the YAML file and command-line overrides, validated with messages that name the field. */
package io.armada.server.config;
