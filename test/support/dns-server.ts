/** The loopback DNS server lives with the demo (demo/dns-server.ts), which answers its retired origin with it. */
export * from '../../demo/dns-server';
