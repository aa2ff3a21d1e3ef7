/** The demo's certificate factory (demo/pki.ts), shared with the tests. */
export * from '../../demo/pki';
