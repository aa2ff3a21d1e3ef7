/** The demo's loopback server helpers (demo/servers.ts), shared with the tests. */
export * from '../../demo/servers';
