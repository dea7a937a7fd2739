/** What the generated armada.v1 and armada.internal.v1 types do not say themselves: the API's size and time limits, and the trailers a node sets on a refusal. */
package io.armada.proto;
