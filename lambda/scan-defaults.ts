/**
 * The scan's connection limits, in a module of their own so that the CLI can show them in `--help` without
 * loading the probes (start-up time).
 */

/**
 * Sockets in flight at once by default, over all origins. Measured with `npm run bench` (2 cores, 50 ms RTT,
 * SYN included): see the README's speed section. Within the Lambda's 1,024 file descriptors (the SDK's and the
 * runtime's own sockets need the rest) and the common `ulimit -n` of 1,024.
 */
export const DEFAULT_CONCURRENCY = 256;

/** Be gentle: at most this many connections at once to one address. */
export const PER_ADDRESS_CONNECTIONS = 4;
